"""The manage page (subscriptions/manage_views.py): the emailed link, asking for one, topics,
schedule, pause and resume. What its forms refuse: test_manage_forms.py; its preview:
test_preview.py; export and delete: test_exporting.py and test_erasure.py."""

import email
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client

from config.celery import ping
from core import links
from core.tokens import read_token
from digest.planning import due
from subscriptions import actions
from subscriptions.models import TopicFilter
from tests.manage_page import PAGE, open_link, path_of, queries, reload, schedule
from tests.personas import ada, bob, cy
from tests.services import celery_worker, require_postgres, require_redis, worker_environment

pytestmark = pytest.mark.django_db


# --- the emailed link ----------------------------------------------------------------------------


def test_the_manage_link_moves_its_token_out_of_the_address_bar(client) -> None:
    response = client.get(path_of(links.manage_url(ada())))

    assert response.status_code == 302 and response["Location"] == PAGE
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_page_shows_status_topics_and_schedule(client) -> None:
    html = open_link(client, ada()).content.decode()

    assert "ada@example.com" in html and "Active" in html
    assert 'value="diffusion"' in html and 'value="cat:cs.CL retrieval"' in html
    assert "08:00 (UTC)" in html


def test_a_manage_link_still_works_after_29_days(client, now) -> None:
    url = links.manage_url(ada())
    now.advance(timedelta(days=29))

    assert client.get(path_of(url), follow=True).status_code == 200


def test_a_manage_link_expires_after_30_days(client, now) -> None:
    url = links.manage_url(ada())
    now.advance(timedelta(days=30, minutes=1))

    response = client.get(path_of(url), follow=True)

    assert response.status_code == 410 and "Email me a new link" in response.content.decode()


def test_the_link_lifetime_is_a_setting(client, now, settings) -> None:
    settings.MANAGE_LINK_MAX_AGE = timedelta(days=2)
    url = links.manage_url(ada())
    now.advance(timedelta(days=3))

    assert client.get(path_of(url), follow=True).status_code == 410


def test_an_expired_link_emails_a_fresh_one_that_works(
    client, now, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    reader = ada()
    client.get(path_of(links.manage_url(reader)), follow=True)
    now.advance(timedelta(days=40))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/manage/resend/")

    assert response.status_code == 200 and "Check your inbox" in response.content.decode()
    [email] = mailoutbox
    fresh = re.search(r"https?://\S+/manage/\S+/", email.body).group()
    assert Client().get(path_of(fresh), follow=True).status_code == 200


def test_a_tampered_link_is_broken(client) -> None:
    url = path_of(links.manage_url(ada()))

    response = client.get(url[:-3] + ("A" if url[-3] != "A" else "B") + "/")

    assert response.status_code == 400


def test_without_an_opened_link_the_page_offers_to_email_one(client) -> None:
    response = client.get(PAGE)

    assert response.status_code == 200 and "Send me my link" in response.content.decode()


def test_changes_without_an_opened_link_are_refused(client) -> None:
    reader = ada()

    response = client.post("/manage/pause/")

    assert response.status_code == 400 and reload(reader).status == "active"


def test_changes_need_a_csrf_token() -> None:
    reader = ada()
    browser = Client(enforce_csrf_checks=True)
    open_link(browser, reader)

    response = browser.post("/manage/pause/")

    assert response.status_code == 403 and reload(reader).status == "active"


def test_changes_are_rate_limited_per_link(client, settings) -> None:
    settings.MANAGE_POSTS_PER_HOUR = 2
    open_link(client, ada())

    codes = [client.post("/manage/pause/").status_code for _ in range(3)]

    assert codes == [302, 302, 429]


def test_a_deleted_readers_link_says_so(client) -> None:
    reader = ada()
    url = path_of(links.manage_url(reader))
    reader.delete()

    assert client.get(url, follow=True).status_code == 404


def test_the_manage_page_links_to_the_help_page(client) -> None:
    assert 'href="/help/topics/"' in open_link(client, ada()).content.decode()


# --- "send me my link" ---------------------------------------------------------------------------


def ask_for_link(client: Client, email: str, **extra: str):
    return client.post("/manage/link/", {"email": email, **extra})


def test_the_link_form_emails_a_known_reader_a_working_link(
    client, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    ada()
    with django_capture_on_commit_callbacks(execute=True):
        ask_for_link(client, "ADA@example.com")

    [email] = mailoutbox
    assert email.to == ["ada@example.com"]
    link = re.search(r"https?://\S+/manage/\S+/", email.body).group()
    assert "ada@example.com" in Client().get(path_of(link), follow=True).content.decode()


def test_the_link_email_offers_one_click_unsubscribe_to_a_subscribed_reader_only(
    client, mailoutbox, django_capture_on_commit_callbacks, settings
) -> None:
    reader = ada()
    bob()
    with django_capture_on_commit_callbacks(execute=True):
        ask_for_link(client, "ada@example.com")
        ask_for_link(client, "bob@example.com")

    to_ada, to_bob = mailoutbox
    url = to_ada.extra_headers["List-Unsubscribe"].strip("<>")
    token = re.fullmatch(rf"{re.escape(settings.SITE_URL)}/unsubscribe/(\S+)/", url).group(1)
    assert read_token(token, "unsubscribe") == reader.public_id
    assert to_ada.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "List-Unsubscribe" not in to_bob.extra_headers


@pytest.mark.real_broker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_link_from_the_mail_queue(tmp_path: Path) -> None:
    require_postgres()
    require_redis()
    ada()
    env = {
        **worker_environment(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path),
    }
    with celery_worker(env=env):
        assert actions.request_manage_link("ada@example.com")
        # One worker takes the mail queue in order: once a later ping answers, the email is out.
        ping.apply_async(queue="mail", ignore_result=False).get(timeout=30)

    [written] = tmp_path.iterdir()
    message = email.message_from_bytes(written.read_bytes())
    assert message["To"] == "ada@example.com"
    assert message.is_multipart()  # a text part and an HTML part
    assert "/manage/" in message.as_string()


def test_the_link_form_answers_the_same_for_unknown_addresses(
    client, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    ada()
    with django_capture_on_commit_callbacks(execute=True):
        known = ask_for_link(client, "ada@example.com")
        unknown = ask_for_link(client, "zed@example.com")

    def page(response) -> str:
        return response.content.decode().replace("ada@example.com", "ADDRESS")

    assert known.status_code == unknown.status_code == 200
    assert page(known) == page(unknown).replace("zed@example.com", "ADDRESS")
    assert [m.to for m in mailoutbox] == [["ada@example.com"]]


def test_the_link_form_mails_nobody_who_bounced(
    client, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    cy()
    with django_capture_on_commit_callbacks(execute=True):
        assert ask_for_link(client, "cy@example.com").status_code == 200

    assert mailoutbox == []


def test_the_link_form_is_rate_limited_per_ip(client, settings) -> None:
    settings.SUBSCRIBE_POSTS_PER_IP_PER_HOUR = 2

    codes = [ask_for_link(client, f"x{n}@example.com").status_code for n in range(3)]

    assert codes == [200, 200, 429]


def test_the_link_form_sends_an_address_few_emails_a_day(
    client, mailoutbox, settings, django_capture_on_commit_callbacks
) -> None:
    settings.CONFIRM_EMAILS_PER_ADDRESS_PER_DAY = 2
    ada()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            ask_for_link(client, "ada@example.com")

    assert len(mailoutbox) == 2


def test_a_bot_filling_the_honeypot_gets_no_email(
    client, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    ada()
    with django_capture_on_commit_callbacks(execute=True):
        ask_for_link(client, "ada@example.com", website="http://spam.example")

    assert mailoutbox == []


# --- topics --------------------------------------------------------------------------------------


def test_adding_a_topic_appends_it(client) -> None:
    reader = ada()
    open_link(client, reader)

    response = client.post(
        "/manage/topics/", {"new-query": "video OR audio", "new-min_upvotes": "5"}, follow=True
    )

    assert "Topic “video OR audio” added." in response.content.decode()
    topic = reader.topics.get(query="video OR audio")
    assert (topic.name, topic.min_upvotes, topic.position) == ("video OR audio", 5, 2)


def test_renaming_and_disabling_a_topic(client) -> None:
    reader = ada()
    topic = reader.topics.get(query="diffusion")
    open_link(client, reader)

    client.post(
        f"/manage/topics/{topic.pk}/",
        {
            f"topic-{topic.pk}-name": "Diffusion <models>",
            f"topic-{topic.pk}-query": "diffusion",
            f"topic-{topic.pk}-min_upvotes": "10",
        },
    )

    topic.refresh_from_db()
    assert (topic.name, topic.min_upvotes, topic.enabled) == ("Diffusion <models>", 10, False)
    assert "Diffusion &lt;models&gt;" in client.get(PAGE).content.decode()


def test_moving_a_topic_down_reorders_the_list(client) -> None:
    reader = ada()
    first = reader.topics.get(query="diffusion")
    open_link(client, reader)

    client.post(f"/manage/topics/{first.pk}/", {"action": "down"})

    assert queries(reader) == ["cat:cs.CL retrieval", "diffusion"]


def test_removing_a_topic(client) -> None:
    reader = ada()
    open_link(client, reader)

    client.post(f"/manage/topics/{reader.topics.get(query='diffusion').pk}/", {"action": "remove"})

    assert queries(reader) == ["cat:cs.CL retrieval"]


def test_another_readers_topic_cannot_be_touched(client) -> None:
    theirs = bob().topics.get()
    open_link(client, ada())

    response = client.post(f"/manage/topics/{theirs.pk}/", {"action": "remove"})

    assert response.status_code == 404 and TopicFilter.objects.filter(pk=theirs.pk).exists()


# --- schedule, pause and resume ------------------------------------------------------------------


def test_changing_the_schedule(client) -> None:
    reader = ada()
    open_link(client, reader)

    schedule(
        client,
        frequency="weekly",
        weekday="4",
        delivery_hour="18",
        time_zone="America/Argentina/Ushuaia",
        max_papers="25",
    )

    reader = reload(reader)
    assert (reader.frequency, reader.weekday, reader.delivery_hour) == ("weekly", 4, 18)
    assert (reader.time_zone, reader.max_papers) == ("America/Argentina/Ushuaia", 25)


def test_a_paused_reader_is_never_due_and_keeps_everything(client, now) -> None:
    reader = ada()
    open_link(client, reader)

    client.post("/manage/pause/")

    assert reload(reader).status == "paused"
    assert [d.subscriber.pk for d in due(now.now(), force=True)] == []
    client.post("/manage/resume/")
    assert reload(reader).status == "active"
    assert [d.subscriber.pk for d in due(now.now(), force=True)] == [reader.pk]
    assert queries(reader) == ["diffusion", "cat:cs.CL retrieval"]


def test_pausing_a_pending_reader_does_nothing(client) -> None:
    reader = bob()
    open_link(client, reader)

    client.post("/manage/pause/")

    assert reload(reader).status == "pending"
