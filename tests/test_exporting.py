"""The "export my data" download (subscriptions/exporting.py): everything stored about a reader."""

import json

import pytest

from digest.models import Delivery
from subscriptions.exporting import reader_data
from tests.manage_page import NOW, open_link, sent_digest
from tests.personas import ada

pytestmark = pytest.mark.django_db


def test_the_export_holds_subscription_consent_topics_and_deliveries(
    client, django_assert_max_num_queries
) -> None:
    reader = ada()
    sent_digest(reader)
    open_link(client, reader)

    with django_assert_max_num_queries(12):  # the page's session and the export's six queries
        response = client.post("/manage/export/")

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="papers-digest-data-')
    data = json.loads(response.content)
    assert data["subscription"]["email"] == "ada@example.com"
    assert data["subscription"]["status"] == "active"
    assert data["subscription"]["time_zone"] == "UTC"
    assert data["consent"]["consent_confirmed_at"] is not None
    assert [t["query"] for t in data["topics"]] == ["diffusion", "cat:cs.CL retrieval"]
    [delivery] = data["deliveries"]
    assert delivery["period"] == "2026-11-25" and delivery["status"] == "sent"
    assert delivery["provider_message_id"] == "<msg-1@example.com>"
    [item] = delivery["papers"]
    assert item["paper"]["title"] == "Diffusion for video" and item["topics"] == ["diffusion"]


def test_the_export_query_count_does_not_grow_with_deliveries(
    django_assert_max_num_queries,
) -> None:

    reader = ada()
    sent_digest(reader)
    for day in range(20, 25):
        Delivery.objects.create(
            subscriber=reader,
            period=f"2026-11-{day}",
            status="skipped",
            batch="00000000-0000-0000-0000-000000000002",
            window_start=NOW,
            window_end=NOW,
            planned_at=NOW,
        )

    with django_assert_max_num_queries(6):
        data = reader_data(reader)

    assert len(data["deliveries"]) == 6


def test_the_export_holds_the_readers_votes_and_mutes() -> None:
    from digest import actions as digest_actions
    from tests.digests import make_paper

    reader = ada()
    paper = make_paper("Sparse attention")
    digest_actions.vote(reader, paper, liked=False)
    digest_actions.mute(reader, "author", "Grace Hopper")

    data = reader_data(reader)

    assert [(v["liked"], v["paper"]["title"]) for v in data["votes"]] == [
        (False, "Sparse attention")
    ]
    assert [(m["kind"], m["value"]) for m in data["mutes"]] == [("author", "Grace Hopper")]


def test_deleting_the_reader_erases_their_votes_and_mutes() -> None:
    from digest import actions as digest_actions
    from subscriptions import actions
    from subscriptions.models import Mute, Vote
    from tests.digests import make_paper

    reader = ada()
    digest_actions.vote(reader, make_paper("Sparse attention"), liked=True)
    digest_actions.mute(reader, "word", "survey")

    actions.delete_reader(reader)

    assert not Vote.objects.exists() and not Mute.objects.exists()
