import pytest
from django.urls import reverse

from subscriptions.models import Subscriber
from tests.personas import ada, bob, dee

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:subscriptions_subscriber_changelist")


def act(admin_client, action: str, *readers: Subscriber):
    data = {"action": action, "_selected_action": [r.pk for r in readers]}
    return admin_client.post(CHANGELIST, data, follow=True)


def test_readers_are_searchable_by_email(admin_client) -> None:
    ada(), bob()

    response = admin_client.get(CHANGELIST, {"q": "ada@"})

    assert [r.email for r in response.context["cl"].result_list] == ["ada@example.com"]


def test_readers_filter_by_status(admin_client) -> None:
    ada(), bob(), dee()

    response = admin_client.get(CHANGELIST, {"status__exact": "pending"})

    assert [r.email for r in response.context["cl"].result_list] == ["bob@example.com"]


def test_a_readers_page_shows_their_topics_inline(admin_client) -> None:
    reader = ada()

    html = admin_client.get(reverse("admin:subscriptions_subscriber_change", args=[reader.pk]))

    assert "cat:cs.CL retrieval" in html.content.decode()


def test_resend_confirmation_emails_pending_readers_only(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        act(admin_client, "resend_confirmation", ada(), bob())

    assert [m.to for m in mailoutbox] == [["bob@example.com"]]


def test_suppress_marks_readers_complained(admin_client) -> None:
    reader = ada()

    act(admin_client, "suppress_complained", reader)

    assert Subscriber.objects.get(pk=reader.pk).status == "complained"


def test_an_invalid_topic_query_is_refused_in_the_admin(admin_client) -> None:
    reader = ada()
    url = reverse("admin:subscriptions_subscriber_change", args=[reader.pk])
    topic = reader.topics.first()
    data = {
        "email": reader.email,
        "frequency": "daily",
        "weekday": 0,
        "delivery_hour": 8,
        "time_zone": "UTC",
        "max_papers": 10,
        "topics-TOTAL_FORMS": 1,
        "topics-INITIAL_FORMS": 1,
        "topics-0-id": topic.pk,
        "topics-0-subscriber": reader.pk,
        "topics-0-name": "broken",
        "topics-0-query": "(diffusion",
        "topics-0-min_upvotes": 0,
        "topics-0-enabled": "on",
        "topics-0-position": 0,
    }

    response = admin_client.post(url, data)

    assert response.status_code == 200  # the form again, with the error
    [formset] = response.context["inline_admin_formsets"]
    assert "at character" in formset.formset.errors[0]["query"][0]
    assert reader.topics.first().query == "diffusion"
