"""The manage page's forms (subscriptions/manage_forms.py): what they refuse is shown back to the
reader and changes nothing."""

import pytest

from subscriptions.models import Subscriber
from tests.manage_page import open_link, queries, reload, schedule
from tests.personas import ada

pytestmark = pytest.mark.django_db


def test_a_topic_that_does_not_parse_is_shown_back_with_a_caret_under_the_problem(client) -> None:
    reader = ada()
    open_link(client, reader)

    response = client.post("/manage/topics/", {"new-query": 'llm "open source'})

    html = response.content.decode()
    assert response.status_code == 400
    assert "llm &quot;open source\n    ^" in html  # the caret under the unclosed quote
    assert "character 5" in html
    assert queries(reader) == ["diffusion", "cat:cs.CL retrieval"]


def test_a_reader_has_at_most_twenty_topics(client) -> None:
    reader = ada()
    open_link(client, reader)
    for n in range(18):
        client.post("/manage/topics/", {"new-query": f"word{n}"})

    response = client.post("/manage/topics/", {"new-query": "one too many"})

    assert response.status_code == 400 and reader.topics.count() == 20


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Mars/Olympus_Mons"),
        ("time_zone", "../../etc/passwd"),
        ("max_papers", "0"),
        ("max_papers", "101"),
        ("delivery_hour", "24"),
        ("weekday", "7"),
    ],
)
def test_a_bad_schedule_is_refused_and_changes_nothing(client, field, value) -> None:
    reader = ada()
    open_link(client, reader)

    response = schedule(client, **{field: value}, frequency="weekly")

    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert reload(reader).frequency == "daily"


def test_deleting_needs_the_box_ticked(client) -> None:
    reader = ada()
    open_link(client, reader)

    response = client.post("/manage/delete/", {})

    assert response.status_code == 400 and "Tick the box" in response.content.decode()
    assert Subscriber.objects.filter(pk=reader.pk).exists()
