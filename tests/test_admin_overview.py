"""The operator's overview on the admin index (config/overview.py, templates/admin/index.html):
charts of what happened lately and the sources' health, for staff only, under SITE_NAME."""

import pytest
from django.contrib.auth.models import User

from config.overview import overview
from core import clock
from digest.models import Paper, Sighting, Source, TrackingEvent
from tests.digests import make_delivery
from tests.personas import ada, bob, dee, make_reader

pytestmark = pytest.mark.django_db


def one_day_of_data() -> None:
    """Everything the overview charts, all of it today: a first day in production."""
    now = clock.now()
    # One of the default sources (a migration adds it; a transactional test flushes it).
    source, _ = Source.objects.get_or_create(
        name="arXiv cs.CL", defaults={"url": "https://rss.arxiv.org/rss/cs.CL"}
    )
    Source.objects.create(
        name="flaky <feed>",
        url="https://flaky.example/rss",
        last_error="HTTP 503 Service Unavailable",
        consecutive_failures=3,
    )
    for n in range(3):
        paper = Paper.objects.create(key=f"arxiv:{n}", title=f"Paper {n}", first_seen_at=now)
        Sighting.objects.create(paper=paper, source=source, raw_id=str(n), seen_at=now)
    reader = ada()
    bob(), dee()
    make_reader("eve@example.com", {"agents": 'agent* OR diffusion -"large survey"'})
    make_reader("fay@example.com", {"flows": '"flow matching"'})
    for status in ("sent", "sent", "failed"):
        make_delivery(reader, status, now)
    TrackingEvent.objects.create(key="pm:1", event_type="bounced", received_at=now)
    TrackingEvent.objects.create(key="pm:2", event_type="delivered", received_at=now)


def test_staff_see_the_overview_with_a_chart_of_each_kind_even_with_one_day_of_data(
    admin_client,
):
    one_day_of_data()

    page = admin_client.get("/admin/").content.decode()

    assert page.count('class="chart" role="img"') == 5
    for title in (
        "Papers per source per day",
        "Digests sent, skipped and failed per day",
        "Bounces and complaints per week (from Monday)",
        "Readers by status",
        "Most common topic words",
    ):
        assert "<title id=" in page and f">{title}</title>" in page
    assert "In all: arXiv cs.CL 3." in page
    assert "In all: sent 2, skipped 0, failed 1." in page
    assert "In all: bounces 1, complaints 0." in page
    assert "At the end: receiving 3, pending 1, left 1." in page
    assert "diffusion: 2; &quot;flow matching&quot;: 1; agent*: 1; retrieval: 1." in page
    assert "Failing: 3 in a row" in page and "flaky &lt;feed&gt;" in page
    assert '<div class="visually-hidden"><table>' in page  # the numbers, for screen readers


def test_the_overview_costs_the_same_few_queries_however_much_data(
    django_assert_num_queries,
):
    with django_assert_num_queries(6):
        overview()
    one_day_of_data()
    with django_assert_num_queries(6):
        overview()


def test_people_who_are_not_staff_get_the_sign_in_page_not_the_overview(client):
    user = User.objects.create_user("mallory", password="a long enough password")
    client.force_login(user)

    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith("/admin/login/")
    assert 'class="chart"' not in response.content.decode()


def test_the_admin_is_named_after_the_site(admin_client, settings):
    settings.SITE_NAME = "Papers Weekly"

    page = admin_client.get("/admin/").content.decode()

    assert "<title>Overview | Papers Weekly</title>" in page
    assert '<a href="/admin/">Papers Weekly</a>' in page
    assert "Django administration" not in page and "Django site admin" not in page
