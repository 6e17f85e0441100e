"""How several announcements of one paper become one row (pure: no ORM, no settings).

Precedence, field by field:
- key: `arxiv:<id without version>` when any source gives an arXiv id, else `<source id>:<guid or
  link>` (the same guid in two unrelated feeds may mean two things).
- title, authors, categories, abstract: arXiv's own listings (RSS and API) win once arXiv has
  listed the paper, and a newer version wins over an older one (a `replace` updates the paper; a
  stale v1 read again never undoes a v2). Until arXiv lists it, the first title and authors seen
  stay, and the fuller abstract wins.
- published_at: the earliest date any source gave (the first version's, not the replacement's).
- abs_url, pdf_url: arxiv.org's unversioned URLs when the arXiv id is known, else the feed's link.
- code_url, project_url, hf_url: whoever has one; the first one found stays.
- upvotes, comments, ai_summary: the latest any source reports (only Hugging Face does).
"""

import hashlib
from typing import Any

from digest.records import PaperRecord
from digest.text import abs_url, pdf_url

KEY_LENGTH = 600
MERGED_FIELDS = (
    "arxiv_id",
    "title",
    "abstract",
    "authors",
    "categories",
    "published_at",
    "abs_url",
    "pdf_url",
    "code_url",
    "project_url",
    "hf_url",
    "upvotes",
    "comments",
    "ai_summary",
    "version",
)


def paper_key(record: PaperRecord, source_id: int) -> str:
    if record.arxiv_id:
        return f"arxiv:{record.arxiv_id}"
    key = f"{source_id}:{record.raw_id}"
    if len(key) > KEY_LENGTH:
        key = f"{source_id}:sha256:{hashlib.sha256(record.raw_id.encode()).hexdigest()}"
    return key


def merge(current: dict[str, Any] | None, record: PaperRecord) -> dict[str, Any]:
    """The paper's fields after `record` is applied to `current` (None for a new paper)."""
    fields = dict(current) if current else _blank()
    arxiv_listed = fields["version"] is not None
    if record.from_arxiv and (record.version or 1) >= (fields["version"] or 0):
        _take_arxiv_metadata(fields, record)
    elif not arxiv_listed:
        _fill_blanks(fields, record)
    fields["published_at"] = min(
        (d for d in (fields["published_at"], record.published_at) if d), default=None
    )
    for link in ("code_url", "project_url", "hf_url"):
        fields[link] = fields[link] or getattr(record, link)
    for latest in ("upvotes", "comments"):
        if getattr(record, latest) is not None:
            fields[latest] = getattr(record, latest)
    fields["ai_summary"] = record.ai_summary or fields["ai_summary"]
    _canonical_links(fields, record)
    return fields


def _blank() -> dict[str, Any]:
    return {
        **dict.fromkeys(MERGED_FIELDS, None),
        **dict.fromkeys(("title", "abstract", "ai_summary", "abs_url", "pdf_url"), ""),
        **dict.fromkeys(("code_url", "project_url", "hf_url"), ""),
        "authors": [],
        "categories": [],
    }


def _take_arxiv_metadata(fields: dict[str, Any], record: PaperRecord) -> None:
    fields["title"] = record.title
    fields["abstract"] = record.abstract or fields["abstract"]
    fields["authors"] = record.authors or fields["authors"]
    fields["categories"] = record.categories or fields["categories"]
    fields["version"] = max(record.version or 1, fields["version"] or 0)


def _fill_blanks(fields: dict[str, Any], record: PaperRecord) -> None:
    fields["title"] = fields["title"] or record.title
    fields["authors"] = fields["authors"] or record.authors
    fields["categories"] = fields["categories"] or record.categories
    if len(record.abstract) > len(fields["abstract"]):
        fields["abstract"] = record.abstract


def _canonical_links(fields: dict[str, Any], record: PaperRecord) -> None:
    if record.arxiv_id:
        fields["arxiv_id"] = record.arxiv_id
        fields["abs_url"] = abs_url(record.arxiv_id)
        fields["pdf_url"] = pdf_url(record.arxiv_id)
    else:
        fields["abs_url"] = fields["abs_url"] or record.abs_url
        fields["pdf_url"] = fields["pdf_url"] or record.pdf_url
