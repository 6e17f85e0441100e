"""A channel's post as each chat service wants it, split to fit its limits (pure: no Django).

One small class per service says how papers look there and what one request may hold; the base
class packs the papers into as few requests (parts) as fit, in order. Every paper fits a part on
its own, since each text is cut to a length well inside the service's per-item limits. The
limits are the services' documented ones:

- Slack incoming webhooks (Block Kit): at most 50 blocks a message, 3000 characters of text in
  a section block, and parts keep under the 40,000 characters past which Slack cuts a message.
  Slack markup treats &, < and > as control characters: they are escaped.
- Discord webhooks: at most 10 embeds a message and 6000 characters across all of them; a
  title at most 256, a description at most 4096, the message content at most 2000. Markdown
  characters in untrusted text are escaped, and no mention ever pings anyone.
- Microsoft Teams (incoming webhook or Workflows): one Adaptive Card in a message's
  "attachments"; the message may be about 28 KB, and less in practice, so parts stay under
  20,000 bytes of JSON.
- The generic webhook: the documented JSON of docs/channels.md, under 256 KB a request.
"""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

TITLE_LENGTH = 250
AUTHORS_LENGTH = 200
ABSTRACT_LENGTH = 600
MAX_AUTHORS = 5


@dataclass(frozen=True)
class Item:
    """One paper of a post, its texts untrusted (they come from feeds)."""

    title: str
    url: str
    authors: tuple[str, ...] = ()
    abstract: str = ""
    topics: tuple[str, ...] = ()
    arxiv_id: str = ""


def cut(text: str, length: int) -> str:
    """`text` at most `length` characters, an ellipsis marking a cut."""
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def byline(item: Item) -> str:
    names = list(item.authors[:MAX_AUTHORS])
    if len(item.authors) > MAX_AUTHORS:
        names.append("et al.")
    return cut(", ".join(names), AUTHORS_LENGTH)


def size(message: dict) -> int:
    """The bytes of `message` as sent."""
    return len(json.dumps(message, ensure_ascii=False).encode())


class ChatFormat:
    """How one service shows a post; subclasses say how a part looks and what fits in one."""

    def render(self, heading: str, items: Sequence[Item], part: int, parts: int) -> dict:
        raise NotImplementedError

    def fits(self, message: dict) -> bool:
        raise NotImplementedError

    def parts(self, heading: str, items: Sequence[Item]) -> list[dict]:
        """The post as the messages to send, in order: as few as fit, each paper in one."""
        groups: list[list[Item]] = []
        for item in items:
            # Numbered as the widest numbers could be, so numbering afterwards still fits.
            if groups and self.fits(self.render(heading, [*groups[-1], item], 99, 99)):
                groups[-1].append(item)
            else:
                groups.append([item])
        total = len(groups)
        return [self.render(heading, group, n, total) for n, group in enumerate(groups, 1)]


def _title_line(heading: str, part: int, parts: int) -> str:
    return heading if parts == 1 else f"{heading} ({part} of {parts})"


def slack_escape(text: str) -> str:
    """Slack's own three escapes: the rest of its markup then shows as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackFormat(ChatFormat):
    MAX_BLOCKS = 50
    MAX_SECTION_TEXT = 3000
    MAX_TEXT = 40_000

    def render(self, heading: str, items: Sequence[Item], part: int, parts: int) -> dict:
        title = _title_line(heading, part, parts)
        blocks: list[dict] = [
            {"type": "header", "text": {"type": "plain_text", "text": cut(title, 150)}}
        ]
        blocks += [self._section(item) for item in items]
        return {"text": slack_escape(title), "blocks": blocks}

    def _section(self, item: Item) -> dict:
        # Link text cannot hold "|" (it ends the URL part) or a line break.
        name = slack_escape(cut(item.title, TITLE_LENGTH)).replace("|", "¦")
        lines = [f"*<{slack_escape(item.url)}|{name}>*"]
        if item.authors:
            lines.append(f"_{slack_escape(byline(item))}_")
        if item.abstract:
            lines.append(slack_escape(cut(item.abstract, ABSTRACT_LENGTH)))
        text = cut("\n".join(lines), self.MAX_SECTION_TEXT)
        return {"type": "section", "text": {"type": "mrkdwn", "text": text}}

    def fits(self, message: dict) -> bool:
        blocks = message["blocks"]
        text = sum(len(block["text"]["text"]) for block in blocks)
        return len(blocks) <= self.MAX_BLOCKS and text <= self.MAX_TEXT


_DISCORD_MARKDOWN = re.compile(r"([\\*_~`|>#\[\]()<@:-])")


def discord_escape(text: str) -> str:
    return _DISCORD_MARKDOWN.sub(r"\\\1", text)


class DiscordFormat(ChatFormat):
    MAX_EMBEDS = 10
    MAX_EMBED_TEXT = 6000  # across every embed of a message
    MAX_TITLE = 256
    MAX_DESCRIPTION = 4096
    MAX_CONTENT = 2000

    def render(self, heading: str, items: Sequence[Item], part: int, parts: int) -> dict:
        return {
            "content": cut(discord_escape(_title_line(heading, part, parts)), self.MAX_CONTENT),
            "embeds": [self._embed(item) for item in items],
            "allowed_mentions": {"parse": []},  # an "@everyone" in a title pings no one
        }

    def _embed(self, item: Item) -> dict:
        lines = []
        if item.authors:
            lines.append(f"*{discord_escape(byline(item))}*")
        if item.abstract:
            lines.append(discord_escape(cut(item.abstract, ABSTRACT_LENGTH)))
        return {
            # Escaping can lengthen a text: cut again to the service's limit.
            "title": cut(discord_escape(cut(item.title, TITLE_LENGTH)), self.MAX_TITLE),
            "url": item.url,
            "description": cut("\n".join(lines), self.MAX_DESCRIPTION),
        }

    def fits(self, message: dict) -> bool:
        embeds = message["embeds"]
        text = sum(len(e["title"]) + len(e["description"]) for e in embeds)
        return len(embeds) <= self.MAX_EMBEDS and text <= self.MAX_EMBED_TEXT


_CARD_MARKDOWN = re.compile(r"([\\*_\[\]()#`>~-])")


def card_escape(text: str) -> str:
    """Adaptive Cards read a little Markdown in TextBlocks; untrusted text shows as typed."""
    return _CARD_MARKDOWN.sub(r"\\\1", text)


class TeamsFormat(ChatFormat):
    MAX_BYTES = 20_000

    def render(self, heading: str, items: Sequence[Item], part: int, parts: int) -> dict:
        body: list[dict] = [
            {
                "type": "TextBlock",
                "text": card_escape(_title_line(heading, part, parts)),
                "size": "Large",
                "weight": "Bolder",
                "wrap": True,
            }
        ]
        body += [self._container(item) for item in items]
        card = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": body,
        }
        attachment = {
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": None,
            "content": card,
        }
        return {"type": "message", "attachments": [attachment]}

    def _container(self, item: Item) -> dict:
        title = card_escape(cut(item.title, TITLE_LENGTH))
        blocks = [{"type": "TextBlock", "text": title, "weight": "Bolder", "wrap": True}]
        if item.authors:
            blocks.append(
                {"type": "TextBlock", "text": card_escape(byline(item)), "isSubtle": True}
            )
        if item.abstract:
            abstract = card_escape(cut(item.abstract, ABSTRACT_LENGTH))
            blocks.append({"type": "TextBlock", "text": abstract, "wrap": True})
        open_paper = {"type": "Action.OpenUrl", "title": "Open the paper", "url": item.url}
        return {"type": "Container", "separator": True, "items": blocks, "selectAction": open_paper}

    def fits(self, message: dict) -> bool:
        return size(message) <= self.MAX_BYTES


class WebhookFormat(ChatFormat):
    """The generic JSON of docs/channels.md: plain text, for the receiver to escape."""

    MAX_BYTES = 256_000

    def render(self, heading: str, items: Sequence[Item], part: int, parts: int) -> dict:
        return {
            "text": _title_line(heading, part, parts),
            "part": part,
            "parts": parts,
            "papers": [
                {
                    "title": item.title,
                    "url": item.url,
                    "arxiv_id": item.arxiv_id,
                    "authors": list(item.authors),
                    "abstract": item.abstract,
                    "topics": list(item.topics),
                }
                for item in items
            ],
        }

    def fits(self, message: dict) -> bool:
        return size(message) <= self.MAX_BYTES


FORMATS: dict[str, ChatFormat] = {
    "slack": SlackFormat(),
    "discord": DiscordFormat(),
    "teams": TeamsFormat(),
    "webhook": WebhookFormat(),
}
