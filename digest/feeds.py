"""Feed parsers: bytes in, validated `PaperRecord`s out. One small class per format.

`parse(content)` detects the format from the content itself (never from a file name or the
Content-Type a server claims) and hands it to that format's parser. Each parser turns entries into
records one at a time: an entry that fails validation is skipped and counted, never fatal.
"""

import calendar
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar
from xml.etree import ElementTree

import feedparser
from pydantic import ValidationError

from digest.records import PaperRecord, ParsedFeed
from digest.text import abs_url, arxiv_id, hf_url, pdf_url, plain_text, split_authors


class FeedError(Exception):
    """The document is not a feed we can read (or is an error report dressed as one)."""


class FeedFormat:
    """One feed format. Subclasses say whether content is theirs and turn entries into records."""

    name: ClassVar[str]
    from_arxiv: ClassVar[bool] = False

    @classmethod
    def accepts(cls, head: bytes) -> bool:
        """Whether the document starting with `head` (its first few KB) is in this format."""
        raise NotImplementedError

    def entries(self, content: bytes) -> Iterable[Any]:
        raise NotImplementedError

    def record(self, entry: Any) -> dict[str, Any]:
        """The fields of one entry; validated into a `PaperRecord` by `parse`."""
        raise NotImplementedError

    def parse(self, content: bytes) -> ParsedFeed:
        records, problems = [], []
        for entry in self.entries(content):
            try:
                records.append(PaperRecord(**self.record(entry), from_arxiv=self.from_arxiv))
            except ValidationError as error:
                problems.append("; ".join(_field_error(e) for e in error.errors()))
            except (ValueError, TypeError, KeyError, AttributeError) as error:
                problems.append(f"unreadable entry ({_one_line(error)})")
        return ParsedFeed(records=records, skipped=len(problems), problems=problems)


class HuggingFaceDailyJSON(FeedFormat):
    """huggingface.co/api/daily_papers: a JSON list of {paper: {...}, ...}."""

    name = "hf_daily_api"

    @classmethod
    def accepts(cls, head: bytes) -> bool:
        return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[")

    def entries(self, content: bytes) -> Iterable[Any]:
        try:
            items = json.loads(content)
        except (ValueError, UnicodeDecodeError) as error:
            raise FeedError(f"not valid JSON ({error})") from None
        if not isinstance(items, list):
            raise FeedError("expected a JSON list of daily papers")
        return items

    def record(self, entry: Any) -> dict[str, Any]:
        paper = entry["paper"]
        found = arxiv_id(str(paper["id"]))
        hidden_or_missing = (a for a in paper.get("authors") or [] if not a.get("hidden"))
        return {
            "raw_id": str(paper["id"]),
            "arxiv_id": found[0] if found else None,
            "title": plain_text(paper.get("title") or entry.get("title") or ""),
            "abstract": plain_text(paper.get("summary") or ""),
            "authors": [plain_text(a["name"]) for a in hidden_or_missing if a.get("name")],
            "published_at": paper.get("publishedAt"),
            "abs_url": abs_url(found[0]) if found else "",
            "pdf_url": pdf_url(found[0]) if found else "",
            "code_url": paper.get("githubRepo") or "",
            "project_url": paper.get("projectPage") or "",
            "hf_url": hf_url(found[0]) if found else "",
            "upvotes": paper.get("upvotes"),
            "comments": entry.get("numComments"),
            "ai_summary": plain_text(paper.get("ai_summary") or ""),
            "keywords": [str(k) for k in paper.get("ai_keywords") or []],
        }


class _XMLFeed(FeedFormat):
    """Formats read through feedparser; it only ever receives bytes (a str may open a file)."""

    def entries(self, content: bytes) -> Iterable[Any]:
        # Sanitizing is pointless work here: every text field becomes plain text anyway.
        parsed = feedparser.parse(content, sanitize_html=False, resolve_relative_uris=False)
        if not parsed.get("version") and not parsed.entries:
            reason = parsed.get("bozo_exception") or "no RSS, RSS 1.0 or Atom root element"
            raise FeedError(f"not a feed ({_one_line(reason)})")
        self.check(parsed)
        return parsed.entries

    def check(self, parsed: Any) -> None:
        """Raise FeedError when a well-formed document reports an error instead of entries."""

    def common(self, entry: Any) -> dict[str, Any]:
        raw_id = entry.get("id") or entry.get("link") or ""
        found = arxiv_id(raw_id) or arxiv_id(entry.get("link") or "")
        return {
            "raw_id": raw_id,
            "arxiv_id": found[0] if found else None,
            "version": found[1] if found else None,
            "title": plain_text(entry.get("title") or ""),
            "categories": [t["term"] for t in entry.get("tags") or [] if t.get("term")],
            "published_at": _moment(entry.get("published_parsed") or entry.get("updated_parsed")),
            "abs_url": entry.get("link") or "",
        }


class ArxivRSS(FeedFormat):
    """rss.arxiv.org listings: versioned guid, announce_type, one comma-joined dc:creator.

    Read with the standard library's ElementTree rather than feedparser: the layout is fixed and
    known, and feedparser spent most of a large listing's ingest time on it. ElementTree never
    fetches external entities, and the expat it uses (2.4+, bundled with Python 3.11) refuses
    billion-laughs style entity expansion, so an untrusted document cannot blow up memory.
    """

    name = "arxiv_rss"
    from_arxiv = True
    _NS: ClassVar[dict[str, str]] = {
        "arxiv": "http://arxiv.org/schemas/atom",
        "dc": "http://purl.org/dc/elements/1.1/",
    }

    @classmethod
    def accepts(cls, head: bytes) -> bool:
        return b"<rss" in head and b"arxiv.org" in head and b"xmlns:arxiv" in head

    def entries(self, content: bytes) -> Iterable[Any]:
        try:
            root = ElementTree.fromstring(content)
        except ElementTree.ParseError as error:
            raise FeedError(f"not well-formed XML ({error})") from None
        if root.tag != "rss":
            raise FeedError(f"not an RSS feed (root element <{root.tag}>)")
        return root.iterfind("channel/item")

    def record(self, entry: Any) -> dict[str, Any]:
        def text(path: str) -> str:
            return _text(entry.find(path, self._NS))

        raw_id = text("guid") or text("link")
        found = arxiv_id(raw_id) or arxiv_id(text("link"))
        description = plain_text(text("description"))
        _, marker, abstract = description.partition("Abstract:")
        categories = (_text(category) for category in entry.iterfind("category"))
        return {
            "raw_id": raw_id,
            "arxiv_id": found[0] if found else None,
            "version": found[1] if found else None,
            "title": plain_text(text("title")),
            "abstract": abstract.strip() if marker else description,
            "authors": split_authors(text("dc:creator")),
            # A category listed twice is one category (as feedparser reads it).
            "categories": list(dict.fromkeys(c for c in categories if c)),
            "published_at": _rfc822(text("pubDate")),
            "abs_url": abs_url(found[0]) if found else text("link"),
            "pdf_url": pdf_url(found[0]) if found else "",
            "announce_type": text("arxiv:announce_type"),
            "doi": text("arxiv:DOI"),
            "journal_ref": text("arxiv:journal_reference"),
        }


class ArxivAPI(_XMLFeed):
    """export.arxiv.org/api/query Atom: versioned ids, primary category, PDF link, Error entries."""

    name = "arxiv_api"
    from_arxiv = True

    @classmethod
    def accepts(cls, head: bytes) -> bool:
        return b"<feed" in head and (b"arxiv.org/api" in head or b"ArXiv Query" in head)

    def check(self, parsed: Any) -> None:
        for entry in parsed.entries:
            if entry.get("title") == "Error" and "api/errors" in (entry.get("id") or ""):
                raise FeedError(f"arXiv API error: {plain_text(entry.get('summary') or '')}")

    def record(self, entry: Any) -> dict[str, Any]:
        fields = self.common(entry)
        primary = (entry.get("arxiv_primary_category") or {}).get("term")
        others = [c for c in fields["categories"] if c != primary]
        pdf = next((link["href"] for link in entry.get("links") or [] if _is_pdf(link)), "")
        return {
            **fields,
            "abstract": plain_text(entry.get("summary") or ""),
            "authors": [plain_text(a["name"]) for a in entry.get("authors") or [] if a.get("name")],
            "categories": [primary, *others] if primary else others,
            "published_at": _moment(entry.get("published_parsed")) or fields["published_at"],
            "pdf_url": pdf,
            "doi": entry.get("arxiv_doi") or "",
            "journal_ref": entry.get("arxiv_journal_ref") or "",
        }


class GenericFeed(_XMLFeed):
    """Any RSS 2.0, RSS 1.0 or Atom feed (third-party Hugging Face feeds, blogs, mirrors)."""

    name = "feed"

    @classmethod
    def accepts(cls, head: bytes) -> bool:
        return True

    def record(self, entry: Any) -> dict[str, Any]:
        fields = self.common(entry)
        summary = entry.get("summary") or ""
        content = entry.get("content") or []
        body = max([summary, *(c.get("value") or "" for c in content)], key=len)
        names = [a.get("name") or "" for a in entry.get("authors") or []]
        authors = [n for name in names for n in split_authors(name)]
        found = fields["arxiv_id"]
        return {
            **fields,
            "abstract": plain_text(body),
            "authors": authors,
            "pdf_url": pdf_url(found) if found else "",
        }


class HuggingFaceRSS(GenericFeed):
    """The third-party RSS of Hugging Face Daily Papers (huangboming/huggingface-daily-paper-feed):
    the description is HTML with labelled paragraphs for authors, upvotes and the summary."""

    _LABELLED = re.compile(r"<b>\s*(Authors|Upvotes|Summary):\s*</b>(.*?)</p>", re.S | re.I)

    @classmethod
    def accepts(cls, head: bytes) -> bool:
        return b"<rss" in head and b"<link>https://huggingface.co/papers</link>" in head

    def record(self, entry: Any) -> dict[str, Any]:
        fields = super().record(entry)
        labelled = {
            label.lower(): value
            for label, value in self._LABELLED.findall(entry.get("summary") or "")
        }
        if "summary" in labelled:
            fields["abstract"] = plain_text(labelled["summary"])
        if "authors" in labelled:
            fields["authors"] = split_authors(labelled["authors"])
        upvotes = plain_text(labelled.get("upvotes", ""))
        if upvotes.isdigit():
            fields["upvotes"] = int(upvotes)
        if fields["arxiv_id"]:
            fields["hf_url"] = hf_url(fields["arxiv_id"])
        return fields


# Most specific first: GenericFeed takes whatever the others do not.
FORMATS: tuple[type[FeedFormat], ...] = (
    HuggingFaceDailyJSON,
    ArxivRSS,
    ArxivAPI,
    HuggingFaceRSS,
    GenericFeed,
)


def detect(content: bytes) -> type[FeedFormat]:
    head = content[:4096]
    return next(fmt for fmt in FORMATS if fmt.accepts(head))


def parse(content: bytes) -> tuple[str, ParsedFeed]:
    """The format's name and what it made of `content`. Raises FeedError for a non-feed."""
    if not content.strip():
        raise FeedError("the document is empty")
    fmt = detect(content)
    return fmt.name, fmt().parse(content)


def _moment(parsed: Any) -> datetime | None:
    """feedparser's UTC struct_time as an aware datetime."""
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None


def _text(element: ElementTree.Element | None) -> str:
    """All the text inside an element (markup inside it dropped), trimmed; "" when absent."""
    return "".join(element.itertext()).strip() if element is not None else ""


def _rfc822(value: str) -> datetime | None:
    """An RSS date in UTC; None when missing or unreadable (feedparser's reading of it)."""
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):
        return None
    # RFC 2822's "-0000" means UTC with no known local zone: it comes back naive.
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _is_pdf(link: dict[str, Any]) -> bool:
    return link.get("type") == "application/pdf" or link.get("title") == "pdf"


def _one_line(error: object) -> str:
    return " ".join(str(error).split())[:300]


def _field_error(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else error["msg"]
