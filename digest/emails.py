"""Render one digest email: HTML (CSS inlined) and plain text, from pieces rendered once.

premailer costs milliseconds per document, so it never runs once per email. The layout is
(templates/emails/digest-body.html, which extends the one email layout) rendered and inlined once
per renderer with "slot:<name>" markers where each reader's values go,
and each paper's block is rendered and inlined once per distinct (paper, topics, words). An email
is then assembled by filling the slots in one pass, so text from a paper can never be mistaken
for a slot. Use one DigestRenderer per batch: its caches live as long as it does.
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

from core import clock
from core.emails import DOCTYPE, inline_css, layout_context
from core.links import FeedbackLinks, Links, unsubscribe_headers
from digest.building import Pick
from digest.models import Delivery, Paper
from digest.schedule import zone
from digest.topics.highlighting import excerpt, highlight

SLOT_MARKER = re.compile(r"slot:(\w+)")
FRAGMENT = re.compile(r"<!--fragment-->(.*)<!--/fragment-->", re.DOTALL)
FIRST_AUTHORS = 3
# Paper blocks a renderer keeps (a few KB each); past this it starts afresh.
MAX_BLOCKS = 20_000


def short_date(moment: datetime) -> str:
    return f"{moment.day} {moment:%b}"


def authors_line(authors: list[str]) -> str:
    shown = ", ".join(authors[:FIRST_AUTHORS])
    return f"{shown} et al." if len(authors) > FIRST_AUTHORS else shown


def subject(count: int, day: str, has_topics: bool) -> str:
    """The subject line; `day` is short_date of the reader's local day."""
    papers = "paper" if count == 1 else "papers"
    scope = " on your topics" if has_topics else ""
    return f"{count} new {papers}{scope} - {day}"


def _paper_context(pick: Pick) -> dict:
    paper = pick.paper
    text = excerpt(paper.abstract, pick.words)
    when = paper.published_at or paper.first_seen_at
    return {
        "paper": paper,
        "authors": authors_line(paper.authors),
        "date": short_date(when) if when else "",
        "topics": pick.topics,
        "reason": pick.reason,
        "excerpt": text,
        "runs": highlight(text, pick.words) if text else [],
        "link": paper.abs_url or paper.pdf_url or paper.code_url,
    }


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
    shown = (paper.title, paper.abstract, tuple(paper.authors), paper.upvotes, paper.abs_url)
    return (*shown, paper.published_at, paper.first_seen_at, paper.pdf_url, paper.code_url)


class Block(NamedTuple):
    """A rendered paper block, with the paper object and what it showed when rendered."""

    paper: Paper
    shown: tuple
    html: SlottedText  # with the renderer's more and less slots for the feedback URLs
    text: SlottedText


@lru_cache(maxsize=1024)
def _local_day(zone_name: str, planned_at: datetime) -> tuple[str, str]:
    """The day a digest is for, in the reader's zone, as its subject and heading spell it (a
    batch's readers share a few zones and one planning time)."""
    day = planned_at.astimezone(zone(zone_name))
    return short_date(day), f"{day:%A} {short_date(day)}"


class DigestRenderer:
    """Renders digests, reusing the inlined layout and paper blocks across a batch."""

    def __init__(self, inline: Callable[[str], str] | None = None) -> None:
        # The benchmark passes its own, to compare with inlining once per email.
        self.inline = inline or inline_css
        base = layout_context()
        self.css = get_template("emails/email.css").render({})
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
        # slots are marked with a word no feed can know, as a URL scheme so premailer (which
        # makes relative links absolute) leaves them be.
        self._slot = f"feedback{secrets.token_hex(8)}"
        self._block_slots = re.compile(rf"{self._slot}:(more|less)")
        self._date = (-1, "")

    def _block(self, pick: Pick) -> Block:
        """One paper's block, rendered once per distinct pick."""
        key = (pick.paper.id, pick.topics, pick.words, pick.reason)
        block = self._blocks.get(key)
        # A batch's picks share their Paper objects: an object seen before shows the same.
        if block is None or block.paper is not pick.paper:
            if block is None or block.shown != _shown(pick.paper):
                if len(self._blocks) >= MAX_BLOCKS:
                    self._blocks.clear()
                block = self._render_block(pick)
            self._blocks[key] = block = block._replace(paper=pick.paper)
        return block

    def _render_block(self, pick: Pick) -> Block:
        slots = {"more": f"{self._slot}:more", "less": f"{self._slot}:less"}
        context = {**_paper_context(pick), **slots}
        html = get_template("emails/digest-paper.html").render(context)
        document = (
            f"<html><head><style>{self.css}</style></head>"
            f"<body><table><!--fragment-->{html}<!--/fragment--></table></body></html>"
        )
        inlined = FRAGMENT.search(self.inline(document)).group(1).strip()
        text = get_template("emails/digest-paper.txt", using="text").render(context)
        html, text = (SlottedText(part, self._block_slots) for part in (inlined, text))
        return Block(pick.paper, _shown(pick.paper), html, text)

    def _values(self, delivery: Delivery, picks: list[Pick], at: datetime) -> dict[str, str]:
        reader = delivery.subscriber
        topics = sorted({name for pick in picks for name in pick.topics})
        day, heading = _local_day(reader.time_zone, delivery.planned_at)
        title = subject(len(picks), day, bool(topics))
        return {
            "subject": title,
            "headline": title.rsplit(" - ", 1)[0],
            "day": heading,
            "preheader": ", ".join(pick.paper.title for pick in picks[:3]),
            "email": reader.email,
            "why": f"and these papers matched your topics {', '.join(topics)}"
            if topics
            else "for every new paper",
            "manage_url": self._manage.url(reader, at),
            "unsubscribe_url": self._unsubscribe.url(reader, at),
            "view_url": self._view.url(delivery, at),
        }

    def papers_html(self, delivery: Delivery, picks: list[Pick]) -> str:
        """The papers of the HTML email, without the reader's parts: the "view in browser" page."""
        feedback = self._feedback.bases(delivery, _sent_at(delivery))
        return _papers([self._block(pick).html for pick in picks], feedback)

    def _html(self, values: dict[str, str], blocks: list[Block], feedback: Feedback) -> str:
        # The stdlib's escape is Django's escape (which calls it) without the SafeString wrapper.
        filled = {key: escape(value) for key, value in values.items()}
        filled["papers"] = _papers([block.html for block in blocks], feedback)
        return self.html_shell.fill(filled)

    def _text(self, values: dict[str, str], blocks: list[Block], feedback: Feedback) -> str:
        papers = _papers([block.text for block in blocks], feedback)
        return self.text_shell.fill({**values, "papers": papers})

    def html(self, delivery: Delivery, picks: list[Pick]) -> str:
        """The digest's HTML, each value escaped once."""
        blocks = [self._block(pick) for pick in picks]
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
        blocks = [self._block(pick) for pick in picks]
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
