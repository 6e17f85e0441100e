"""Render one digest email: HTML and plain text, from pieces rendered once.

premailer costs milliseconds per document, so it never runs once per email. The layout
(templates/emails/digest-body.html, which extends the one email layout) is rendered and inlined
once per renderer with "slot:<name>" markers where each reader's values go. Each paper's card
(templates/papers/card.html) is rendered once per distinct pick and never inlined: cards are
styled from the <head> (emails/card.css), which keeps a hundred-paper digest under Gmail's
clipping (docs/emails.md). An email is then assembled by filling the slots in one pass, so text
from a paper can never be mistaken for a slot. Use one DigestRenderer per batch: its caches live
as long as it does.
"""

import re
import secrets
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime
from functools import lru_cache
from html import escape
from typing import NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template
from django.utils.html import format_html

from core import clock
from core.emails import DOCTYPE, inline_css, layout_context
from core.links import FeedbackLinks, Links, unsubscribe_headers
from digest.building import Pick
from digest.cards import Card, card, matched, quoted, short_date
from digest.models import Delivery, Paper
from digest.schedule import zone

SLOT_MARKER = re.compile(r"slot:(\w+)")
SUBJECT_TITLE_CHARS = 80
PREHEADER_CHARS = 140  # what an inbox shows of it after the subject, and a little more
# A long digest lists its first papers at the top, and its papers past the 30th get compact
# cards, so a hundred papers stay under Gmail's clipping (see docs/emails.md).
TOC_FROM = 5
TOC_ENTRIES = 10
FULL_CARDS = 30
# Paper blocks a renderer keeps (a few KB each); past this it starts afresh.
MAX_BLOCKS = 20_000


def headline(count: int, has_topics: bool) -> str:
    """What the digest holds, as its heading says: "10 new papers on your topics"."""
    papers = "paper" if count == 1 else "papers"
    return f"{count} new {papers}{' on your topics' if has_topics else ''}"


def subject(picks: list[Pick], has_topics: bool) -> str:
    """The subject line, naming the top paper: "<title> and 9 more on your topics"."""
    title = _trimmed(picks[0].paper.title, SUBJECT_TITLE_CHARS)
    scope = " on your topics" if has_topics else " new papers"
    if len(picks) == 1:
        return f"{title}{', new on your topics' if has_topics else ''}"
    return f"{title} and {len(picks) - 1} more{scope}"


def _trimmed(text: str, chars: int) -> str:
    """`text` on one line (a header must not break), cut at a word boundary past `chars`."""
    text = " ".join(text.split())
    if len(text) <= chars:
        return text
    return text[:chars].rsplit(" ", 1)[0].rstrip(" ,.;:-") + "…"


def why(pick: Pick) -> str:
    """The card's why line: the reader's topics the paper matched, else the pick's reason."""
    return matched(pick.topics) if pick.topics else pick.reason


def _card(pick: Pick, position: int) -> Card:
    return card(pick.paper, pick.words, why(pick), compact=position >= FULL_CARDS)


def _toc(blocks: list["Block"]) -> str:
    """The table of contents of a long digest: its first papers, each linked to its abstract
    page (mail clients break in-message "#" links)."""
    if len(blocks) <= TOC_FROM:
        return ""
    entries = "".join(block.toc for block in blocks[:TOC_ENTRIES])
    more = len(blocks) - TOC_ENTRIES
    rest = f'<p class="toc-more">and {more} more below</p>' if more > 0 else ""
    return f'<p class="toc-head">In this digest</p><ol class="toc">{entries}</ol>{rest}'


Feedback = tuple[str, str]  # the "more" and "less" URLs of one digest, up to the position


class SlottedText:
    """Rendered text with "slot:<name>" markers (or `marker`'s), split once so filling it is one
    join."""

    def __init__(self, text: str, marker: re.Pattern[str] = SLOT_MARKER) -> None:
        parts = marker.split(text)
        self.literals, self.slots = parts[0::2], parts[1::2]

    def fill(self, values: dict[str, str]) -> str:
        pieces = [self.literals[0]]
        for slot, literal in zip(self.slots, self.literals[1:], strict=True):
            pieces += (values[slot], literal)
        return "".join(pieces)


def _shown(paper: Paper) -> tuple:
    """What a paper's block shows of it: a paper corrected by a later ingest is a new block."""
    texts = (paper.title, paper.abstract, paper.ai_summary, tuple(paper.authors))
    facts = (tuple(paper.categories), paper.upvotes, paper.published_at, paper.first_seen_at)
    links = (paper.arxiv_id, paper.abs_url, paper.pdf_url, paper.hf_url)
    return (*texts, *facts, *links, paper.code_url, paper.project_url)


class Block(NamedTuple):
    """A rendered paper block, with the paper object and what it showed when rendered."""

    paper: Paper
    shown: tuple
    html: SlottedText  # with the renderer's more and less slots for the feedback URLs
    text: SlottedText
    toc: str  # its entry in a long digest's table of contents


@lru_cache(maxsize=1024)
def _local_day(zone_name: str, planned_at: datetime) -> str:
    """The day a digest is for, in the reader's zone, as its heading spells it (a batch's
    readers share a few zones and one planning time)."""
    day = planned_at.astimezone(zone(zone_name))
    return f"{day:%A} {short_date(day)}"


class DigestRenderer:
    """Renders digests, reusing the inlined layout and paper blocks across a batch."""

    def __init__(self, inline: Callable[[str], str] | None = None) -> None:
        # The benchmark passes its own, to compare with inlining once per email.
        self.inline = inline or inline_css
        base = layout_context()
        layout = self.inline(get_template("emails/digest-body.html").render(base))
        self.html_shell = SlottedText(DOCTYPE + layout)
        self.text_shell = SlottedText(
            get_template("emails/digest-body.txt", using="text").render(base)
        )
        self.domain = urlsplit(settings.SITE_URL).hostname or "localhost"
        self.list_id = f"{settings.SITE_NAME} digest <digest.{self.domain}>"
        self._blocks: dict[tuple, Block] = {}  # by paper id, topics and words
        # Signing keys derived and URLs reversed once per batch, not once per email.
        self._manage, self._unsubscribe = Links("manage"), Links("unsubscribe")
        self._view = Links("view")
        self._feedback = FeedbackLinks()
        # Paper blocks hold feed text, which could spell "slot:..." on purpose: their feedback
        # slots are marked with a word no feed can know.
        self._slot = f"feedback{secrets.token_hex(8)}"
        self._block_slots = re.compile(rf"{self._slot}:(more|less)")
        self._date = (-1, "")

    def _blocks_of(self, picks: list[Pick]) -> list[Block]:
        return [self._block(pick, position) for position, pick in enumerate(picks)]

    def _block(self, pick: Pick, position: int) -> Block:
        """One paper's block, rendered once per distinct pick (full or compact)."""
        key = (pick.paper.id, pick.topics, pick.words, pick.reason, position >= FULL_CARDS)
        block = self._blocks.get(key)
        # A batch's picks share their Paper objects: an object seen before shows the same.
        if block is None or block.paper is not pick.paper:
            if block is None or block.shown != _shown(pick.paper):
                if len(self._blocks) >= MAX_BLOCKS:
                    self._blocks.clear()
                block = self._render_block(pick, position)
            self._blocks[key] = block = block._replace(paper=pick.paper)
        return block

    def _render_block(self, pick: Pick, position: int) -> Block:
        slots = {"more": f"{self._slot}:more", "less": f"{self._slot}:less"}
        shown = _card(pick, position)
        context = {"card": shown, **slots}
        # Not inlined: cards are styled from the <head> (emails/card.css), a hundred times over.
        html = get_template("emails/digest-paper.html").render(context).strip()
        text = get_template("emails/digest-paper.txt", using="text").render(context)
        html, text = (SlottedText(part, self._block_slots) for part in (html, text))
        title = format_html('<li><a href="{}">{}</a></li>', shown.url, pick.paper.title)
        toc = title if shown.url else format_html("<li>{}</li>", pick.paper.title)
        return Block(pick.paper, _shown(pick.paper), html, text, toc)

    def _values(self, delivery: Delivery, picks: list[Pick], at: datetime) -> dict[str, str]:
        reader = delivery.subscriber
        topics = sorted({name for pick in picks for name in pick.topics})
        heading = _local_day(reader.time_zone, delivery.planned_at)
        return {
            "subject": subject(picks, bool(topics)),
            "headline": headline(len(picks), bool(topics)),
            "day": heading,
            "preheader": _trimmed(
                ", ".join(pick.paper.title for pick in picks[:3]), PREHEADER_CHARS
            ),
            "email": reader.email,
            "why": f"and these papers matched your topics {quoted(topics)}"
            if topics
            else "for every new paper",
            "manage_url": self._manage.url(reader, at),
            "unsubscribe_url": self._unsubscribe.url(reader, at),
            "view_url": self._view.url(delivery, at),
        }

    def papers_html(self, delivery: Delivery, picks: list[Pick]) -> str:
        """The papers of the HTML email, without the reader's parts: the "view in browser" page."""
        feedback = self._feedback.bases(delivery, _sent_at(delivery))
        return _papers([block.html for block in self._blocks_of(picks)], feedback)

    def _html(self, values: dict[str, str], blocks: list[Block], feedback: Feedback) -> str:
        # The stdlib's escape is Django's escape (which calls it) without the SafeString wrapper.
        filled = {key: escape(value) for key, value in values.items()}
        filled["papers"] = _papers([block.html for block in blocks], feedback)
        filled["toc"] = _toc(blocks)
        return self.html_shell.fill(filled)

    def _text(self, values: dict[str, str], blocks: list[Block], feedback: Feedback) -> str:
        papers = _papers([block.text for block in blocks], feedback)
        return self.text_shell.fill({**values, "papers": papers})

    def html(self, delivery: Delivery, picks: list[Pick]) -> str:
        """The digest's HTML, each value escaped once."""
        blocks = self._blocks_of(picks)
        feedback = self._feedback.bases(delivery, _sent_at(delivery))
        return self._html(self._values(delivery, picks, clock.now()), blocks, feedback)

    def _date_header(self, sent_at: datetime) -> str:
        second = int(sent_at.timestamp())
        if second != self._date[0]:
            self._date = (second, format_datetime(sent_at.replace(microsecond=0)))
        return self._date[1]

    def headers(self, delivery: Delivery, sent_at: datetime, unsubscribe: str) -> dict[str, str]:
        return {
            **unsubscribe_headers(unsubscribe),
            "List-Id": self.list_id,
            # Stable per digest, so a resend after a crash is recognisably the same message.
            "Message-ID": f"<digest.{delivery.public_id.hex}@{self.domain}>",
            "Date": self._date_header(sent_at),
        }

    def message(
        self, delivery: Delivery, picks: list[Pick], sent_at: datetime
    ) -> EmailMultiAlternatives:
        """The email for one digest, with Anymail's tags, metadata and click tracking off."""
        values = self._values(delivery, picks, sent_at)
        blocks = self._blocks_of(picks)
        feedback = self._feedback.bases(delivery, sent_at)
        message = EmailMultiAlternatives(
            subject=values["subject"],
            body=self._text(values, blocks, feedback),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.subscriber.email],
            headers=self.headers(delivery, sent_at, values["unsubscribe_url"]),
        )
        message.attach_alternative(self._html(values, blocks, feedback), "text/html")
        message.tags = ["digest"]
        message.metadata = {"delivery_id": str(delivery.pk)}
        # Provider click tracking would rewrite the signed manage and unsubscribe links.
        message.track_clicks = False
        return message


def _papers(blocks: list[SlottedText], feedback: Feedback) -> str:
    more, less = feedback
    return "\n".join(
        block.fill({"more": f"{more}{n}/", "less": f"{less}{n}/"}) for n, block in enumerate(blocks)
    )


def _sent_at(delivery: Delivery) -> datetime:
    """When the digest's email went out (its feedback links are signed with it); a digest being
    rendered for the first time goes out now."""
    return delivery.sent_at or clock.now()


_shared: tuple[tuple, DigestRenderer] | None = None


def shared_renderer() -> DigestRenderer:
    """This process's renderer, so blocks inlined for one chunk serve the next chunks too.

    Made afresh when a setting it bakes in changes (tests change them; a deploy restarts).
    """
    global _shared
    key = (settings.SITE_URL, settings.SITE_NAME, settings.POSTAL_ADDRESS, settings.SECRET_KEY)
    if _shared is None or _shared[0] != key:
        _shared = (key, DigestRenderer())
    return _shared[1]
