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

    with django_assert_max_num_queries(12):  # the page's session and the export's four queries
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

    with django_assert_max_num_queries(4):
        data = reader_data(reader)

    assert len(data["deliveries"]) == 6
