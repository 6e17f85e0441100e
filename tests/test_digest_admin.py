"""The admin of digest/admin.py: sources with their health, papers searchable and filterable,
and every digest with its status, its reason and the papers it held."""

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from digest import actions
from digest.models import Delivery, Source
from digest.planning import plan
from digest.sending import send_chunk
from tests.digests import MORNING, make_delivery, make_paper
from tests.personas import make_reader

DEMO = Path(__file__).resolve().parent.parent / "digest" / "demo_data" / "feeds"

pytestmark = pytest.mark.django_db


@pytest.fixture
def papers() -> None:
    call_command("ingest", str(DEMO / "arxiv_rss_cs.CL+cs.LG_weekday.xml"), stdout=StringIO())


def titles(response) -> list[str]:
    return [str(paper) for paper in response.context["cl"].result_list]


# --- sources and papers --------------------------------------------------------------------------


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


# --- digests -------------------------------------------------------------------------------------


def test_the_admin_lists_digests_with_their_status_and_reason(admin_client) -> None:
    make_paper("Diffusion models")
    make_reader("ada@example.com")
    make_reader("bob@example.com", {"QCD": "chromodynamics"})
    send_chunk(plan(MORNING))

    page = admin_client.get("/admin/digest/delivery/").content.decode()

    assert "ada@example.com" in page and "bob@example.com" in page
    assert "No new papers matched since the last digest." in page


def test_a_digests_admin_page_shows_the_papers_it_held(admin_client) -> None:
    make_paper("Diffusion models")
    make_reader("ada@example.com")
    send_chunk(plan(MORNING))
    delivery = Delivery.objects.get()

    page = admin_client.get(f"/admin/digest/delivery/{delivery.pk}/change/").content.decode()

    assert "Diffusion models" in page


def failing_and_stuck() -> tuple[Delivery, Delivery]:
    """ada's digest failed at the provider; bob's worker died mid-send an hour ago."""
    make_paper("Diffusion models")
    make_reader("ada@example.com")
    make_reader("bob@example.com")
    ada, bob = (Delivery.objects.get(pk=pk) for pk in plan(MORNING))
    Delivery.objects.filter(pk=ada.pk).update(
        status="failed", built_at=None, reason="AnymailAPIError: 500 from the provider"
    )
    Delivery.objects.filter(pk=bob.pk).update(status="sending", claimed_at=MORNING)
    return ada, bob


def test_failed_and_stuck_digests_are_listed_with_their_reason(admin_client, frozen_clock) -> None:
    failing_and_stuck()
    frozen_clock.travel_to(MORNING + timedelta(hours=1))

    failed = admin_client.get("/admin/digest/delivery/?trouble=failed").content.decode()
    stuck = admin_client.get("/admin/digest/delivery/?trouble=stuck").content.decode()

    assert "ada@example.com" in failed and "500 from the provider" in failed
    assert "bob@example.com" not in failed
    assert "bob@example.com" in stuck and "ada@example.com" not in stuck


def test_retrying_failed_and_stuck_digests_sends_them(
    admin_client,
    frozen_clock,
    django_capture_on_commit_callbacks,
) -> None:
    ada, bob = failing_and_stuck()
    frozen_clock.travel_to(MORNING + timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/digest/delivery/",
            {"action": "retry_digests", "_selected_action": [ada.pk, bob.pk]},
            follow=True,
        )

    assert "Queued 2 digest(s) to send again." in response.content.decode()
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ada@example.com",
        "bob@example.com",
    ]


def test_channels_and_their_posts_are_listed_without_the_webhook_url(admin_client, settings):
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    owner = make_reader("ada@example.com")
    url = "http://127.0.0.1:9/services/T0001/B0001/secrettoken"
    channel = actions.add_channel(owner, url, name="ML team", kind="slack")

    page = admin_client.get("/admin/digest/channel/").content.decode()
    detail = admin_client.get(f"/admin/digest/channel/{channel.pk}/change/").content.decode()

    assert "ML team" in page and channel.url_masked in page
    assert "secrettoken" not in page + detail and channel.url_encrypted not in page + detail
    assert admin_client.get("/admin/digest/channelpost/?status=failed").status_code == 200


# --- what the lists show at a glance (in Chromium at 1280 px: tests/test_admin_browser.py) ------


def test_the_sources_list_shows_each_sources_health_and_failures_in_a_row(admin_client):
    Source.objects.create(
        name="flaky feed",
        url="https://flaky.example/rss",
        consecutive_failures=4,
        last_error="x" * 300,
    )

    page = admin_client.get("/admin/digest/source/").content.decode()

    for column in ("health", "failures_in_a_row", "short_error", "last_fetched_at"):
        assert f"column-{column}" in page
    assert "Failing: 4 in a row" in page
    assert f'<span title="{"x" * 300}">{"x" * 59}…</span>' in page


def test_a_sources_health_says_how_fetching_goes():
    now = MORNING
    assert Source(enabled=False, consecutive_failures=2).health == "Disabled"
    assert Source(consecutive_failures=2, last_fetched_at=now).health == "Failing: 2 in a row"
    assert Source().health == "Not fetched yet"
    assert Source(last_fetched_at=now).health == "OK"


def test_the_deliveries_list_shows_status_provider_status_and_reason(admin_client):
    reader = make_reader("ada@example.com")
    make_delivery(
        reader, "failed", MORNING, provider_status="rejected", reason="550 <script>unknown</script>"
    )

    page = admin_client.get("/admin/digest/delivery/").content.decode()

    for column in ("status", "provider_status", "short_reason", "attempts"):
        assert f"column-{column}" in page
    assert "550 &lt;script&gt;unknown&lt;/script&gt;" in page
