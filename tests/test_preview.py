"""What a topic would have caught (subscriptions/preview.py): live as the reader types on the
manage page, and behind its Preview button without JavaScript."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from tests.manage_page import open_link, paper, queries
from tests.personas import ada
from tests.services import require_postgres

pytestmark = pytest.mark.django_db

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
SAVED_FEEDS = [
    FEEDS / "arxiv_api" / "cat_cs.AI_OR_cs.LG_max50_2026-07-13.xml",
    FEEDS / "hf_daily_papers" / "daily_papers_2026-07-13.json",
]


def preview(client: Client, query: str, min_upvotes: int = 0) -> str:
    params = {"query": query, "min_upvotes": min_upvotes}
    return client.get("/manage/preview/", params).content.decode()


def test_the_preview_highlights_the_matched_words_and_escapes_the_title(client, now) -> None:
    paper("2611.00001", "Video <b>diffusion</b> models", upvotes=3, abstract="Diffusion for video.")
    paper("2611.00002", "Audio transformers")
    open_link(client, ada())

    html = preview(client, "diffusion video")

    assert "<strong>1</strong> paper in the last 7 days" in html
    assert "<mark>Video</mark> &lt;b&gt;<mark>diffusion</mark>&lt;/b&gt; models" in html
    assert "Audio" not in html


def test_the_preview_covers_the_last_7_days_and_the_minimum_upvotes(client, now) -> None:
    paper("2611.00001", "Diffusion one", days_ago=2, upvotes=20)
    paper("2611.00002", "Diffusion two", days_ago=3, upvotes=2)
    paper("2611.00003", "Diffusion old", days_ago=8, upvotes=50)
    open_link(client, ada())

    html = preview(client, "diffusion", min_upvotes=10)

    assert "Diffusion</mark> one" in html
    assert "two" not in html and "old" not in html


def test_the_preview_of_a_bad_query_names_the_problem(client) -> None:
    open_link(client, ada())

    html = preview(client, "diffusion (video")

    assert 'role="alert"' in html and "diffusion (video\n          ^" in html


def test_the_preview_shows_what_manage_py_match_prints(client, now) -> None:
    require_postgres()
    call_command("ingest", *map(str, SAVED_FEEDS), stdout=StringIO())
    query = "(language model*) OR llm* -survey"
    out = StringIO()
    call_command("match", query, "--days", "7", stdout=out)
    printed = {int(line.split()[0]) for line in out.getvalue().splitlines()}
    open_link(client, ada())

    html = preview(client, query)

    assert len(printed) > 10  # the preview shows the top 10 and counts them all
    assert f"<strong>{len(printed)}</strong> papers" in html
    shown = {int(pk) for pk in re.findall(r'data-paper-id="(\d+)"', html)}
    assert len(shown) == 10 and shown <= printed


def test_the_preview_button_works_without_javascript_and_changes_nothing(client, now) -> None:
    paper("2611.00001", "Video diffusion")
    reader = ada()
    open_link(client, reader)

    response = client.post("/manage/topics/", {"new-query": "video", "action": "preview"})

    html = response.content.decode()
    assert response.status_code == 200 and "<mark>Video</mark> diffusion" in html
    assert 'value="video"' in html
    assert queries(reader) == ["diffusion", "cat:cs.CL retrieval"]
