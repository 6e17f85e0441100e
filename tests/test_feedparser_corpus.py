"""feedparser's own test corpus (2,000+ well-formed, ill-formed, encoding and entity feeds) goes
through the whole pipeline, parse and store, with no uncaught exception."""

from pathlib import Path

import pytest

from digest import feeds
from digest.ingest import store
from digest.models import Paper, Source
from digest.records import ParsedFeed

CORPUS = Path(__file__).resolve().parent / "fixtures" / "feedparser" / "tests"


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file())


def test_the_corpus_is_all_there():
    assert len(corpus_files()) > 2000


@pytest.mark.django_db
def test_every_corpus_file_is_parsed_or_refused_and_what_parses_is_stored():
    source = Source.objects.create(name="corpus", url="https://corpus.example/")
    records, refused = [], 0
    for path in corpus_files():
        try:
            _, parsed = feeds.parse(path.read_bytes())
        except feeds.FeedError:
            refused += 1
            continue
        records += parsed.records
    report = store(source, ParsedFeed(records=records))
    assert records and refused
    assert report.new == Paper.objects.count() > 0
    for paper in Paper.objects.all():
        assert paper.title == paper.title.strip()
        assert "<script" not in paper.title.lower()
        assert "<script" not in paper.abstract.lower()
