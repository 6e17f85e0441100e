"""Feeds into Paper rows on real PostgreSQL: one row per paper, idempotent, failures recorded."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digest import feeds
from digest.ingest import ingest_content, ingest_source
from digest.models import Paper, Sighting, Source
from tests import arxiv_feeds as make
from tests import feed_server as serve
from tests.services import require_postgres

DEMO = Path(__file__).resolve().parent.parent / "digest" / "demo_data" / "feeds"
HF_JSON = (DEMO / "daily_papers_2026-07-13.json").read_bytes()
ARXIV_API = (DEMO / "arxiv_api_cs.AI_OR_cs.LG_2026-07-13.xml").read_bytes()
ARXIV_RSS = (DEMO / "arxiv_rss_cs.CL+cs.LG_weekday.xml").read_bytes()
MONDAY = datetime(2026, 11, 23, 8, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def near(value: datetime | None, moment: datetime) -> bool:
    """The service clock keeps running after travel_to: the same moment, give or take."""
    return value is not None and abs(value - moment) < timedelta(seconds=5)


@pytest.fixture(autouse=True)
def _postgres() -> None:
    require_postgres()


@pytest.fixture
def hugging_face() -> Source:
    return Source.objects.create(name="hf", kind="hf_daily_api", url="https://hf.example/daily")


@pytest.fixture
def arxiv_listing() -> Source:
    return Source.objects.create(name="cs.LG", kind="arxiv_rss", url="https://rss.example/cs.LG")


@pytest.fixture
def arxiv_search() -> Source:
    return Source.objects.create(name="api", kind="arxiv_api", url="https://api.example/q")


def test_one_paper_from_four_announcements_is_one_row(
    hugging_face, arxiv_listing, arxiv_search, frozen_clock
):
    frozen_clock.travel_to(MONDAY)
    ingest_content(
        hugging_face,
        make.hf_daily(
            make.hf_paper(
                "2611.00042",
                "Attention Is Still All You Need",
                12,
                githubRepo="https://github.com/ada/attention",
            )
        ),
    )
    ingest_content(
        arxiv_listing,
        make.arxiv_rss(
            make.rss_item("2611.00042", 1, "new", "Attention Is Still All You Need", "Short.")
        ),
    )
    frozen_clock.advance(timedelta(days=1))
    ingest_content(
        arxiv_listing,
        make.arxiv_rss(
            make.rss_item(
                "2611.00042",
                2,
                "replace",
                "Attention Is Still Mostly All You Need",
                "A longer abstract for the second version.",
                categories=("cs.LG", "cs.CL"),
            )
        ),
    )
    ingest_content(
        arxiv_search,
        make.arxiv_api(
            "2611.00042",
            2,
            "Attention Is Still Mostly All You Need",
            "A longer abstract for the second version.",
        ),
    )

    (paper,) = Paper.objects.all()
    assert paper.key == "arxiv:2611.00042"
    assert paper.title == "Attention Is Still Mostly All You Need"
    assert paper.version == 2
    assert paper.upvotes == 12
    assert paper.code_url == "https://github.com/ada/attention"
    assert paper.categories == ["stat.ML", "cs.LG"]
    assert near(paper.first_seen_at, MONDAY)
    assert paper.abs_url == "https://arxiv.org/abs/2611.00042"
    raw_ids = dict(paper.sightings.values_list("source__name", "raw_id"))
    assert raw_ids == {
        "hf": "2611.00042",
        "cs.LG": "oai:arXiv.org:2611.00042v2",
        "api": "http://arxiv.org/abs/2611.00042v2",
    }


def test_a_replace_announcement_updates_the_paper_and_never_adds_one(arxiv_listing):
    ingest_content(
        arxiv_listing, make.arxiv_rss(make.rss_item("2611.00042", 1, "new", "Old", "A."))
    )
    report = ingest_content(
        arxiv_listing, make.arxiv_rss(make.rss_item("2611.00042", 2, "replace", "New", "B."))
    )
    assert (report.new, report.updated) == (0, 1)
    assert list(Paper.objects.values_list("title", flat=True)) == ["New"]


def test_an_older_version_read_again_does_not_undo_a_newer_one(arxiv_listing, arxiv_search):
    ingest_content(arxiv_search, make.arxiv_api("2611.00042", 3, "Third title", "Third."))
    report = ingest_content(
        arxiv_listing, make.arxiv_rss(make.rss_item("2611.00042", 1, "new", "First title", "1."))
    )
    assert report.unchanged == 1
    assert Paper.objects.get().title == "Third title"


def test_hugging_face_and_the_arxiv_api_share_real_papers(hugging_face, arxiv_search):
    ingest_content(arxiv_search, ARXIV_API)
    report = ingest_content(hugging_face, HF_JSON)
    assert (report.new, report.updated) == (23, 2)
    assert Paper.objects.count() == 73
    shared = Paper.objects.get(arxiv_id="2607.09657")
    assert shared.upvotes == 34
    assert shared.categories  # arXiv's, which Hugging Face does not give
    assert set(shared.sources.values_list("name", flat=True)) == {"hf", "api"}


def test_hugging_faces_summary_comments_repo_and_project_page_are_kept_apart(hugging_face):
    ingest_content(hugging_face, HF_JSON)

    both = Paper.objects.get(arxiv_id="2607.06374")
    assert both.code_url == "https://github.com/AIGeeksGroup/VaseMuseum"
    assert both.project_url == "https://aigeeksgroup.github.io/VaseMuseum"
    assert both.hf_url == "https://huggingface.co/papers/2607.06374"
    assert both.comments == 1
    summarised = Paper.objects.get(arxiv_id="2607.06957")
    assert summarised.code_url == ""
    assert summarised.project_url == "https://seulbinhwang.github.io/flow-erd-project-page/"
    assert summarised.ai_summary.startswith("Flow-ERD is a multi-agent traffic simulator")
    assert summarised.comments == 2
    assert Paper.objects.exclude(ai_summary="").count() == 10


def test_reingesting_a_feed_changes_nothing(hugging_face, django_assert_max_num_queries):
    ingest_content(hugging_face, HF_JSON)
    before = list(Paper.objects.order_by("pk").values())
    with django_assert_max_num_queries(6):
        report = ingest_content(hugging_face, HF_JSON)
    assert (report.new, report.updated, report.unchanged) == (0, 0, 25)
    assert list(Paper.objects.order_by("pk").values()) == before


def test_only_upvotes_change_when_hugging_face_reports_new_counts(hugging_face, frozen_clock):
    frozen_clock.travel_to(MONDAY)
    ingest_content(hugging_face, make.hf_daily(make.hf_paper("2611.00042", "T", 3)))
    frozen_clock.advance(timedelta(hours=6))
    report = ingest_content(hugging_face, make.hf_daily(make.hf_paper("2611.00042", "T", 40)))
    paper = Paper.objects.get()
    assert report.updated == 1
    assert paper.upvotes == 40
    assert near(paper.upvotes_at, MONDAY + timedelta(hours=6))
    assert near(paper.first_seen_at, MONDAY)


def test_a_whole_feed_is_stored_in_a_few_queries(arxiv_search, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        report = ingest_content(arxiv_search, ARXIV_API)
    assert report.new == 50


def test_entries_without_an_arxiv_id_are_keyed_by_guid_within_their_source():
    blog = Source.objects.create(name="blog", url="https://blog.example/rss")
    other = Source.objects.create(name="other", url="https://other.example/rss")
    rss = (
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>b</title>"
        b"<item><title>A post</title><guid>post-1</guid><link>https://blog.example/1</link></item>"
        b"</channel></rss>"
    )
    ingest_content(blog, rss)
    ingest_content(blog, rss)
    ingest_content(other, rss)
    assert sorted(Paper.objects.values_list("key", flat=True)) == [
        f"{blog.pk}:post-1",
        f"{other.pk}:post-1",
    ]


def test_the_same_paper_twice_in_one_feed_is_one_row(arxiv_listing):
    report = ingest_content(
        arxiv_listing,
        make.arxiv_rss(
            make.rss_item("2611.00042", 1, "new", "T", "A."),
            make.rss_item("2611.00042", 1, "cross", "T", "A."),
        ),
    )
    assert (report.new, Paper.objects.count(), Sighting.objects.count()) == (1, 1, 1)


def test_a_failing_source_is_recorded_and_the_others_are_stored(settings, frozen_clock):
    frozen_clock.travel_to(MONDAY)
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    with serve.feed_server() as server:
        server.routes["/good"] = serve.body(ARXIV_RSS, etag='"a"')
        server.routes["/broken"] = serve.status(500)
        server.routes["/html"] = serve.body(b"<html><body>Moved</body></html>")
        good = Source.objects.create(name="good", url=server.url("/good"))
        broken = Source.objects.create(name="broken", url=server.url("/broken"))
        html = Source.objects.create(name="html", url=server.url("/html"))
        reports = [ingest_source(source) for source in (broken, html, good)]
    assert reports[0].error == "HTTP 500 Internal Server Error"
    assert reports[1].error.startswith("not a feed")
    assert Paper.objects.count() == 5
    broken.refresh_from_db()
    assert broken.consecutive_failures == 1
    assert near(broken.last_error_at, MONDAY)
    good.refresh_from_db()
    assert (good.etag, good.consecutive_failures) == ('"a"', 0)
    assert near(good.last_fetched_at, MONDAY)


def test_a_failure_leaves_stored_papers_untouched(settings, arxiv_listing):
    ingest_content(arxiv_listing, ARXIV_RSS)
    before = list(Paper.objects.order_by("pk").values())
    with pytest.raises(feeds.FeedError):
        ingest_content(arxiv_listing, b"<html>oops</html>")
    assert list(Paper.objects.order_by("pk").values()) == before


def test_an_unchanged_feed_is_one_conditional_request(settings):
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    with serve.feed_server() as server:
        server.routes["/rss"] = serve.body(ARXIV_RSS, etag='"v7"')
        source = Source.objects.create(name="cs", url=server.url("/rss"))
        ingest_source(source)
        source.refresh_from_db()
        report = ingest_source(source)
    assert report.not_modified
    assert server.requests[1][1]["If-None-Match"] == '"v7"'


def test_default_sources_are_installed_by_a_migration():
    assert set(Source.objects.values_list("name", flat=True)) >= {
        "Hugging Face daily papers",
        "arXiv cs.AI",
        "arXiv cs.CL",
        "arXiv cs.LG",
    }


def test_nul_characters_are_dropped_from_text_and_refused_in_ids(hugging_face):
    report = ingest_content(
        hugging_face,
        make.hf_daily(
            make.hf_paper("2611.00042", "Nul\x00 in the title", 1),
            make.hf_paper("2611.0\x00043", "Nul in the id", 1),
        ),
    )
    assert (report.new, report.skipped) == (1, 1)
    assert Paper.objects.get().title == "Nul in the title"
