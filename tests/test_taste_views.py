"""The manage page's "What you taught us": the trending <-> mine control, votes and mutes."""

import pytest

from digest import actions as digest_actions
from subscriptions.models import Mute, Subscriber, Vote
from tests.digests import make_paper
from tests.manage_page import open_link
from tests.personas import ada

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("sent", "stored"), [("0", 0.0), ("50", 0.5), ("100", 1.0), ("auto", None)]
)
def test_the_blend_control_stores_the_readers_choice(client, sent: str, stored) -> None:
    reader = ada()
    open_link(client, reader)

    response = client.post("/manage/blend/", {"blend": sent})

    assert response.status_code == 302
    assert Subscriber.objects.get(pk=reader.pk).taste_weight == stored


@pytest.mark.parametrize("sent", ["101", "-1", "abc", "²", "1e2"])
def test_the_blend_control_refuses_anything_else_and_changes_nothing(client, sent: str) -> None:
    reader = ada()
    open_link(client, reader)

    client.post("/manage/blend/", {"blend": sent})

    assert Subscriber.objects.get(pk=reader.pk).taste_weight is None


def test_a_vote_and_a_mute_can_be_removed_from_the_manage_page(client) -> None:
    reader = ada()
    paper = make_paper("Sparse attention")
    digest_actions.vote(reader, paper, liked=False)
    muted = digest_actions.mute(reader, "word", "survey")
    open_link(client, reader)

    page = client.get("/manage/").content.decode()
    client.post(f"/manage/votes/{paper.pk}/")
    client.post(f"/manage/mutes/{muted.pk}/")

    assert "Sparse attention" in page and "survey" in page
    assert not Vote.objects.exists() and not Mute.objects.exists()


def test_without_a_manage_session_nothing_changes(client) -> None:
    reader = ada()
    muted = digest_actions.mute(reader, "author", "Grace Hopper")

    response = client.post(f"/manage/mutes/{muted.pk}/")

    assert response.status_code == 400
    assert Mute.objects.exists()


@pytest.mark.parametrize("paper_id", ["99999999999999999999", "9223372036854775808"])
def test_removing_a_vote_on_a_paper_number_past_any_id_changes_nothing(
    client, paper_id: str
) -> None:
    reader = ada()
    digest_actions.vote(reader, make_paper("Sparse attention"), liked=True)
    open_link(client, reader)

    response = client.post(f"/manage/votes/{paper_id}/")

    assert response.status_code == 302
    assert Vote.objects.count() == 1
