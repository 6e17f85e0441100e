"""The admin: sources with their health, papers searchable and filterable."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from digest.models import Source

DEMO = Path(__file__).resolve().parent.parent / "digest" / "demo_data" / "feeds"

pytestmark = pytest.mark.django_db


@pytest.fixture
def papers() -> None:
    call_command("ingest", str(DEMO / "arxiv_rss_cs.CL+cs.LG_weekday.xml"), stdout=StringIO())


def titles(response) -> list[str]:
    return [str(paper) for paper in response.context["cl"].result_list]


def test_sources_show_their_last_error_and_failures(admin_client):
    Source.objects.create(
        name="flaky feed",
        url="https://flaky.example/rss",
        last_error="HTTP 503 Service Unavailable",
        consecutive_failures=4,
    )
    page = admin_client.get("/admin/digest/source/").content.decode()
    assert "flaky feed" in page
    assert "HTTP 503 Service Unavailable" in page


def test_papers_are_found_by_author(admin_client, papers):
    response = admin_client.get("/admin/digest/paper/", {"q": "Rafael Souza"})
    assert titles(response) == ["Sparse Autoencoders Find Interpretable Features in Speech Models"]


def test_papers_are_found_by_arxiv_id(admin_client, papers):
    response = admin_client.get("/admin/digest/paper/", {"q": "2609.04410"})
    assert titles(response) == [
        "Calibrated Abstention for Question Answering with $k$-NN Conformal Sets"
    ]


def test_papers_filter_by_category(admin_client, papers):
    response = admin_client.get("/admin/digest/paper/", {"category": "stat.ML"})
    assert titles(response) == [
        "Calibrated Abstention for Question Answering with $k$-NN Conformal Sets"
    ]
    assert "q-bio.BM" in response.content.decode()  # offered as a filter choice


def test_papers_filter_by_source(admin_client, papers):
    other = Source.objects.get(name="arXiv cs.AI")
    assert titles(admin_client.get("/admin/digest/paper/", {"sources__id__exact": other.pk})) == []
