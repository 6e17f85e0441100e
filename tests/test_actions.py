"""The named state changes every caller goes through (pages, commands, tasks, webhooks)."""

import pytest

from subscriptions import actions
from subscriptions.models import Subscriber
from tests.personas import ada, bob, cy, dee

pytestmark = pytest.mark.django_db


def stored(reader: Subscriber) -> Subscriber:
    return Subscriber.objects.get(pk=reader.pk)


def test_confirm_activates_a_pending_reader_once() -> None:
    reader = bob()

    assert actions.confirm(reader) is True
    assert actions.confirm(reader) is False
    assert stored(reader).status == "active" and reader.status == "active"


@pytest.mark.parametrize("persona", [ada, dee, cy])
def test_confirm_changes_nobody_who_is_not_pending(persona) -> None:
    reader = persona()
    before = reader.status

    assert actions.confirm(reader) is False
    assert stored(reader).status == before


@pytest.mark.parametrize("persona", [ada, bob])
def test_unsubscribe_stops_active_and_pending_readers(persona) -> None:
    reader = persona()

    assert actions.unsubscribe(reader) is True
    assert actions.unsubscribe(reader) is False
    assert stored(reader).status == "unsubscribed"


def test_a_complaint_suppresses_a_reader_for_good() -> None:
    reader = ada()

    assert actions.suppress(reader, "complained") is True
    assert actions.suppress(reader, "bounced") is False
    assert stored(reader).status == "complained"


def test_a_complaint_overrides_a_bounce() -> None:
    reader = cy()

    assert actions.suppress(reader, "complained") is True
    assert stored(reader).status == "complained"


def test_suppress_refuses_other_statuses() -> None:
    with pytest.raises(ValueError, match="bounced or complained"):
        actions.suppress(ada(), "unsubscribed")


def test_a_suppressed_address_cannot_subscribe_again(mailoutbox) -> None:
    reader = ada()
    actions.suppress(reader, "complained")

    assert actions.subscribe("ada@example.com", [], "daily", None, "") is None
    assert stored(reader).status == "complained"


def test_subscribe_matches_addresses_case_insensitively() -> None:
    reader = bob()

    again = actions.subscribe("BOB@Example.com", [("rl", "reinforcement")], "weekly", None, "")

    assert again.pk == reader.pk
    assert Subscriber.objects.count() == 1
    assert [t.query for t in stored(reader).topics.all()] == ["reinforcement"]


def test_resend_confirmation_only_for_pending_readers(
    mailoutbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sent = [actions.resend_confirmation(reader) for reader in (ada(), bob(), dee())]

    assert sent == [False, True, False]
    assert [m.to for m in mailoutbox] == [["bob@example.com"]]
