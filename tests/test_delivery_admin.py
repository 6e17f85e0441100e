"""Operators see every digest, its status and reason, and the papers it held."""

import pytest

from digest.models import Delivery
from digest.planning import plan
from digest.sending import send_chunk
from tests.digests import MORNING, make_paper, make_reader

pytestmark = pytest.mark.django_db


def test_the_admin_lists_digests_with_their_status_and_reason(admin_client) -> None:  # noqa: ANN001
    make_paper("Diffusion models")
    make_reader("ada@example.com")
    make_reader("bob@example.com", {"QCD": "chromodynamics"})
    send_chunk(plan(MORNING))

    page = admin_client.get("/admin/digest/delivery/").content.decode()

    assert "ada@example.com" in page and "bob@example.com" in page
    assert "No new papers matched since the last digest." in page


def test_a_digests_admin_page_shows_the_papers_it_held(admin_client) -> None:  # noqa: ANN001
    make_paper("Diffusion models")
    make_reader("ada@example.com")
    send_chunk(plan(MORNING))
    delivery = Delivery.objects.get()

    page = admin_client.get(f"/admin/digest/delivery/{delivery.pk}/change/").content.decode()

    assert "Diffusion models" in page
