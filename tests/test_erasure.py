"""Deleting a reader's data (subscriptions/erasure.py): no address left in clear, yet a deleted
address is still recognised, so it is not imported or mailed again without a new opt-in."""

from io import StringIO

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from digest import actions as digest_actions
from digest.models import Channel, Delivery
from subscriptions import actions, erasure
from subscriptions.models import ErasedAddress, Subscriber
from tests.manage_page import PAGE, open_link, sent_digest
from tests.personas import ada
from tests.services import require_postgres

pytestmark = pytest.mark.django_db


def rows_mentioning(text: str) -> dict[str, int]:
    """Every table in the database whose rows mention `text` anywhere (PostgreSQL casts a whole
    row to text, every column included)."""
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT count(*) FROM {quoted} AS t WHERE t::text ILIKE %s", [f"%{text}%"]
            )
            if count := cursor.fetchone()[0]:
                found[table] = count
    return found


def test_deleting_leaves_no_cleartext_address_in_any_table(client) -> None:
    require_postgres()

    reader = ada()
    sent_digest(reader)
    admin = User.objects.create_superuser("admin", "admin@example.org", "pw")
    LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(Subscriber),
        object_id=str(reader.pk),
        object_repr=str(reader),
        action_flag=ADDITION,
    )
    open_link(client, reader)
    assert "subscriptions_subscriber" in rows_mentioning("ada@example.com")

    response = client.post("/manage/delete/", {"delete-sure": "on"})

    assert response.status_code == 200 and "Your data is deleted" in response.content.decode()
    assert rows_mentioning("ada@example.com") == {}
    assert not Subscriber.objects.exists() and not Delivery.objects.exists()
    assert ErasedAddress.objects.count() == 1
    assert client.get(PAGE).status_code == 200  # the link is gone from this browser too
    assert "Send me my link" in client.get(PAGE).content.decode()


def test_deleting_removes_the_readers_channels_and_their_webhook_urls(client, settings) -> None:
    require_postgres()
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    reader = ada()
    url = "http://127.0.0.1:9/services/T0001/B0001/secrettoken"
    digest_actions.add_channel(reader, url, name="ML team", kind="slack")
    open_link(client, reader)

    client.post("/manage/delete/", {"delete-sure": "on"})

    assert not Channel.objects.exists()
    assert rows_mentioning("ML team") == {} and rows_mentioning("oken") == {}


def test_a_deleted_address_is_not_imported_again(tmp_path) -> None:
    actions.delete_reader(ada())
    readers = tmp_path / "readers.csv"
    readers.write_text("email\nAda@Example.com\n")

    out = StringIO()
    call_command("import_subscribers", str(readers), "--confirmed", stdout=out)

    assert "skipped, its owner deleted their data here" in out.getvalue()
    assert not Subscriber.objects.exists()


def test_a_deleted_address_can_sign_up_anew_with_double_opt_in(
    client, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    actions.delete_reader(ada())
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/subscribe/", {"email": "ada@example.com"})

    reader = Subscriber.objects.get()
    assert reader.status == "pending" and len(mailoutbox) == 1
    assert ErasedAddress.objects.exists()  # until the owner confirms
    actions.confirm(reader)
    assert not ErasedAddress.objects.exists()


def test_the_erasure_survives_a_key_rotation(settings) -> None:

    actions.delete_reader(ada())
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 50

    assert erasure.was_erased("ada@example.com")
    assert not erasure.was_erased("bob@example.com")
