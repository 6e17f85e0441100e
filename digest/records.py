"""The plain record every feed parser yields: one announced paper, already normalised."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator


class PaperRecord(BaseModel):
    """One entry of one feed. Text fields are plain text; `arxiv_id` has no version."""

    model_config = ConfigDict(frozen=True)

    raw_id: str = Field(min_length=1, max_length=600)  # the feed's own id: guid, versioned id, URL
    arxiv_id: str | None = Field(default=None, max_length=50)
    version: int | None = Field(default=None, ge=1)
    # True when arXiv itself published the entry: its metadata outranks everyone else's.
    from_arxiv: bool = False
    title: str = Field(min_length=1)
    abstract: str = ""
    authors: list[str] = []
    categories: list[str] = []
    published_at: datetime | None = None
    abs_url: str = Field(default="", max_length=2000)
    pdf_url: str = Field(default="", max_length=2000)
    code_url: str = Field(default="", max_length=2000)  # the code repository (GitHub's)
    project_url: str = Field(default="", max_length=2000)  # the authors' project page
    hf_url: str = Field(default="", max_length=2000)  # its Hugging Face page, once listed there
    upvotes: int | None = Field(default=None, ge=0)
    comments: int | None = Field(default=None, ge=0)  # on the Hugging Face paper page
    ai_summary: str = ""  # Hugging Face's generated one-paragraph summary
    announce_type: str = ""
    doi: str = ""
    journal_ref: str = ""
    keywords: list[str] = []

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        # PostgreSQL cannot store NUL in text: refuse the entry rather than fail the whole feed.
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("contains a NUL character")
        return value

    @field_validator("published_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("published_at must carry a time zone")
        return value

    @field_validator("abs_url", "pdf_url", "code_url", "project_url", "hf_url")
    @classmethod
    def _web_link(cls, value: str) -> str:
        # Only web links are kept: a javascript: or data: URL in a feed must never reach an email.
        return value if value.startswith(("https://", "http://")) else ""


class ParsedFeed(BaseModel):
    """What a parser made of one document: the good records and how many entries it skipped."""

    records: list[PaperRecord]
    skipped: int = 0
    problems: list[str] = []
