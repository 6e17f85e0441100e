"""`like:<arXiv id>` topics against stored papers: the forms refuse an id never stored, and the
preview, `manage.py match` and the digests find the papers like the named one."""

import re
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from digest import tastes
from digest.likes import LookAlikes
from digest.models import Paper, SentPaper, Vocabulary
from digest.topics.papers import PaperText
from digest.topics.query import tokenize
from digest.topics.similarity import alike
from tests.digests import MORNING
from tests.manage_page import open_link, queries
from tests.personas import ada, make_reader
from tests.services import require_postgres

pytestmark = pytest.mark.django_db

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
SAVED_FEED = FEEDS / "arxiv_api" / "cat_cs.AI_OR_cs.LG_max50_2026-07-13.xml"


def stored_papers() -> list[Paper]:
    call_command("ingest", str(SAVED_FEED), stdout=StringIO())
    return list(Paper.objects.order_by("pk"))


def example_of(papers: list[Paper]) -> Paper:
    """A paper of the feed about agents: several of the others are like it, most are not."""
    return next(paper for paper in papers if "agent" in paper.title.lower())


def like_it(example: Paper, papers: list[Paper]) -> set[int]:
    """The ids of the papers like `example`, worked out directly with similarity.alike."""
    features = tastes.vectoriser()
    assert features is not None
    texts = [PaperText.of(paper) for paper in papers]
    found = alike(features, [PaperText.of(example)], texts)
    return {text.id for text, is_like in zip(texts, found, strict=True) if is_like}


@pytest.fixture
def library(now) -> tuple[Paper, set[int]]:
    """The saved feed stored at NOW; an example paper and the ids of those like it."""
    require_postgres()
    papers = stored_papers()
    example = example_of(papers)
    expected = like_it(example, papers)
    assert example.pk in expected and 1 < len(expected) < len(papers) // 2
    return example, expected


def matched(query: str) -> list[int]:
    out = StringIO()
    call_command("match", query, stdout=out)
    return [int(line.split()[0]) for line in out.getvalue().splitlines()]


def test_manage_py_match_prints_the_papers_like_the_named_one(library) -> None:
    example, expected = library

    assert set(matched(f"like:{example.arxiv_id}")) == expected
    assert set(matched(f"like:{example.arxiv_id}v2")) == expected


def test_like_combines_with_words_and_ors_in_manage_py_match(library) -> None:
    example, expected = library
    words = {
        pk: set(tokenize(f"{title} {abstract}"))
        for pk, title, abstract in Paper.objects.values_list("pk", "title", "abstract")
    }
    word = max(tokenize(example.title), key=len)

    without = set(matched(f"like:{example.arxiv_id} -{word}"))
    either = set(matched(f'like:{example.arxiv_id} OR "reward model"'))

    assert without == {pk for pk in expected if word not in words[pk]}
    assert example.pk not in without
    assert either == expected | set(matched('"reward model"'))


def test_manage_py_match_refuses_an_id_no_stored_paper_has(library) -> None:
    with pytest.raises(SystemExit) as stopped:
        call_command("match", "agents like:2101.00001", stderr=(err := StringIO()))

    assert stopped.value.code == 2
    assert "No paper here has the arXiv id 2101.00001 (at character 13)" in err.getvalue()


def test_the_preview_shows_the_papers_like_the_named_one(client: Client, library) -> None:
    example, expected = library
    open_link(client, ada())

    html = client.get("/manage/preview/", {"query": f"like:{example.arxiv_id}"}).content.decode()

    shown = {int(pk) for pk in re.findall(r'data-paper-id="(\d+)"', html)}
    assert f"<strong>{len(expected)}</strong> papers" in html
    assert shown and shown <= expected


def test_the_topic_form_refuses_an_id_no_stored_paper_has_with_a_caret_under_it(
    client: Client, now
) -> None:
    reader = ada()
    open_link(client, reader)

    response = client.post("/manage/topics/", {"new-query": "agents like:2101.00001"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "No paper here has the arXiv id 2101.00001 (at character 13)" in html
    assert "agents like:2101.00001\n            ^" in html
    assert queries(reader) == ["diffusion", "cat:cs.CL retrieval"]


def test_the_subscribe_form_refuses_an_id_no_stored_paper_has(client: Client) -> None:
    form = {"email": "eve@example.com", "topics": "like:2101.00001", "frequency": "daily"}

    response = client.post("/subscribe/", form)

    assert "No paper here has the arXiv id 2101.00001" in response.content.decode()


def test_a_digest_carries_the_papers_like_the_named_one(frozen_clock) -> None:
    require_postgres()
    frozen_clock.travel_to(MORNING - timedelta(hours=2))
    papers = stored_papers()
    example = example_of(papers)
    expected = like_it(example, papers)
    reader = make_reader("lin@example.com", {"Agents": f"like:{example.arxiv_id}"}, max_papers=50)

    call_command("send_digests", "--now", MORNING.isoformat(), stdout=StringIO())

    sent = SentPaper.objects.filter(subscriber=reader)
    assert {row.paper_id for row in sent} == expected
    assert all(row.topics == ["Agents"] for row in sent)


def test_look_alikes_compare_each_named_paper_once(library) -> None:
    example, expected = library
    looks = LookAlikes([PaperText.of(paper) for paper in Paper.objects.all()])

    first = looks.of([example.arxiv_id, "2101.00001"])
    with CaptureQueriesContext(connection) as again:
        second = looks.of([example.arxiv_id])

    assert first == {example.arxiv_id: expected, "2101.00001": set()}
    assert second == {example.arxiv_id: expected}
    assert len(again) == 0


def test_digests_of_topics_without_like_fit_no_vocabulary(frozen_clock) -> None:
    require_postgres()
    frozen_clock.travel_to(MORNING - timedelta(hours=2))
    stored_papers()
    reader = make_reader("lin@example.com", {"Agents": "agent*"})

    call_command("send_digests", "--now", MORNING.isoformat(), stdout=StringIO())

    assert SentPaper.objects.filter(subscriber=reader).exists()
    assert not Vocabulary.objects.exists()


def test_the_manage_page_counts_a_like_topics_papers(client: Client, library) -> None:
    example, expected = library
    reader = make_reader("like-card@example.com", topics={"Like it": f"like:{example.arxiv_id}"})
    open_link(client, reader)

    html = client.get("/manage/").content.decode()

    assert f"{len(expected)} papers in the last 7 days" in html
