"""The manage page: the emailed link, topics with their preview, schedule, pause, export, delete."""

import email
import json
import re
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client

from config.celery import ping
from core import links
from core.tokens import read_token
from digest.models import Delivery, Paper, SentPaper
from digest.planning import due, plan
from digest.sending import send_chunk
from subscriptions import actions, erasure
from subscriptions.exporting import reader_data
from subscriptions.models import ErasedAddress, Subscriber, TopicFilter
from tests.digests import MORNING, make_paper, make_reader
from tests.readers import ada, bob, cy
from tests.services import celery_worker, require_postgres, require_redis, worker_environment

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
PAGE = "/manage/"
FEEDS = Path(__file__).parent / "fixtures" / "feeds"
SAVED_FEEDS = [
    FEEDS / "arxiv_api" / "cat_cs.AI_OR_cs.LG_max50_2026-07-13.xml",
    FEEDS / "hf_daily_papers" / "daily_papers_2026-07-13.json",
]


def path_of(url: str) -> str:
    return urlsplit(url).path


def open_link(client: Client, reader: Subscriber):
    """Open the reader's emailed manage link as a browser does, landing on /manage/."""
    return client.get(path_of(links.manage_url(reader)), follow=True)


def reload(reader: Subscriber) -> Subscriber:
    return Subscriber.objects.get(pk=reader.pk)


def queries(reader: Subscriber) -> list[str]:
    return list(TopicFilter.objects.filter(subscriber=reader).values_list("query", flat=True))


def paper(key: str, title: str, days_ago: float = 1, **fields: object) -> Paper:
    return Paper.objects.create(
        key=f"arxiv:{key}",
        title=title,
        first_seen_at=NOW - timedelta(days=days_ago),
        **fields,
    )


@pytest.fixture
def now(frozen_clock):
    frozen_clock.travel_to(NOW)
    return frozen_clock


# --- the emailed link ---------------------------------------------------------------------------


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


# --- "send me my link" ----------------------------------------------------------------------------


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


# --- topics -------------------------------------------------------------------------------------


def test_adding_a_topic_appends_it(client) -> None:
    reader = ada()
    open_link(client, reader)

    response = client.post(
        "/manage/topics/", {"new-query": "video OR audio", "new-min_upvotes": "5"}, follow=True
    )

    assert "Topic “video OR audio” added." in response.content.decode()
    topic = reader.topics.get(query="video OR audio")
    assert (topic.name, topic.min_upvotes, topic.position) == ("video OR audio", 5, 2)


def test_a_topic_that_does_not_parse_is_shown_back_with_a_caret_under_the_problem(client) -> None:
    reader = ada()
    open_link(client, reader)

    response = client.post("/manage/topics/", {"new-query": 'llm "open source'})

    html = response.content.decode()
    assert response.status_code == 400
    assert "llm &quot;open source\n    ^" in html  # the caret under the unclosed quote
    assert "character 5" in html
    assert queries(reader) == ["diffusion", "cat:cs.CL retrieval"]


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


def test_a_reader_has_at_most_twenty_topics(client) -> None:
    reader = ada()
    open_link(client, reader)
    for n in range(18):
        client.post("/manage/topics/", {"new-query": f"word{n}"})

    response = client.post("/manage/topics/", {"new-query": "one too many"})

    assert response.status_code == 400 and reader.topics.count() == 20


# --- the preview ----------------------------------------------------------------------------------


def preview(client: Client, query: str, min_upvotes: int = 0) -> str:
    params = {"query": query, "min_upvotes": min_upvotes}
    return client.get("/manage/preview/", params).content.decode()


def test_the_preview_highlights_the_matched_words_and_escapes_the_title(client, now) -> None:
    paper("2611.00001", "Video <b>diffusion</b> models", upvotes=3, abstract="Diffusion for video.")
    paper("2611.00002", "Audio transformers")
    open_link(client, ada())

    html = preview(client, "diffusion video")

    assert "<strong>1</strong> paper in the last 7 days" in html
    assert "<mark>Video</mark> &lt;b&gt;<mark>diffusion</mark>&lt;/b&gt; models" in html
    assert "Audio" not in html


def test_the_preview_covers_the_last_7_days_and_the_minimum_upvotes(client, now) -> None:
    paper("2611.00001", "Diffusion one", days_ago=2, upvotes=20)
    paper("2611.00002", "Diffusion two", days_ago=3, upvotes=2)
    paper("2611.00003", "Diffusion old", days_ago=8, upvotes=50)
    open_link(client, ada())

    html = preview(client, "diffusion", min_upvotes=10)

    assert "Diffusion</mark> one" in html
    assert "two" not in html and "old" not in html


def test_the_preview_of_a_bad_query_names_the_problem(client) -> None:
    open_link(client, ada())

    html = preview(client, "diffusion (video")

    assert 'role="alert"' in html and "diffusion (video\n          ^" in html


def test_the_preview_shows_what_manage_py_match_prints(client, now) -> None:
    require_postgres()
    call_command("ingest", *map(str, SAVED_FEEDS), stdout=StringIO())
    query = "(language model*) OR llm* -survey"
    out = StringIO()
    call_command("match", query, "--days", "7", stdout=out)
    printed = {int(line.split()[0]) for line in out.getvalue().splitlines()}
    open_link(client, ada())

    html = preview(client, query)

    assert len(printed) > 10  # the preview shows the top 10 and counts them all
    assert f"<strong>{len(printed)}</strong> papers" in html
    shown = {int(pk) for pk in re.findall(r'data-paper-id="(\d+)"', html)}
    assert len(shown) == 10 and shown <= printed


def test_the_preview_button_works_without_javascript_and_changes_nothing(client, now) -> None:
    paper("2611.00001", "Video diffusion")
    reader = ada()
    open_link(client, reader)

    response = client.post("/manage/topics/", {"new-query": "video", "action": "preview"})

    html = response.content.decode()
    assert response.status_code == 200 and "<mark>Video</mark> diffusion" in html
    assert 'value="video"' in html
    assert queries(reader) == ["diffusion", "cat:cs.CL retrieval"]


# --- schedule -----------------------------------------------------------------------------------


def schedule(client: Client, **changes: str):
    data = {
        "frequency": "daily",
        "weekday": "0",
        "delivery_hour": "8",
        "time_zone": "UTC",
        "max_papers": "10",
    }
    data.update(changes)
    return client.post("/manage/schedule/", {f"schedule-{k}": v for k, v in data.items()})


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


# --- pause and resume ---------------------------------------------------------------------------


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


def test_a_paused_reader_gets_nothing_and_then_every_paper_of_the_pause(frozen_clock) -> None:

    def digest_on(day: datetime) -> list[str]:
        frozen_clock.travel_to(day)
        mail.outbox.clear()
        send_chunk(plan(day))
        return [message.subject for message in mail.outbox]

    reader = make_reader("ada@example.com", {"Diffusion": "diffusion"})
    make_paper("Diffusion before the pause", hours_ago=24 * 3 + 2)
    assert len(digest_on(MORNING - timedelta(days=3))) == 1
    actions.pause(reader)
    make_paper("Diffusion while away", hours_ago=36)

    assert digest_on(MORNING - timedelta(days=2)) == []
    assert digest_on(MORNING - timedelta(days=1)) == []
    actions.resume(reader)
    [subject] = digest_on(MORNING)

    assert subject.startswith("1 new paper")
    assert "Diffusion while away" in mail.outbox[0].body


def test_pausing_a_pending_reader_does_nothing(client) -> None:
    reader = bob()
    open_link(client, reader)

    client.post("/manage/pause/")

    assert reload(reader).status == "pending"


# --- export -------------------------------------------------------------------------------------


def sent_digest(reader: Subscriber) -> Delivery:
    delivery = Delivery.objects.create(
        subscriber=reader,
        period="2026-11-25",
        status="sent",
        batch="00000000-0000-0000-0000-000000000001",
        window_start=NOW - timedelta(days=2),
        window_end=NOW - timedelta(days=1),
        planned_at=NOW - timedelta(days=1),
        sent_at=NOW - timedelta(days=1),
        provider_message_id="<msg-1@example.com>",
    )
    sent = paper("2611.00001", "Diffusion for video", abs_url="https://arxiv.org/abs/2611.00001")
    SentPaper.objects.create(
        subscriber=reader,
        paper=sent,
        delivery=delivery,
        position=0,
        topics=["diffusion"],
        words=["diffusion"],
    )
    return delivery


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


# --- delete -------------------------------------------------------------------------------------


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


def test_deleting_needs_the_box_ticked(client) -> None:
    reader = ada()
    open_link(client, reader)

    response = client.post("/manage/delete/", {})

    assert response.status_code == 400 and "Tick the box" in response.content.decode()
    assert Subscriber.objects.filter(pk=reader.pk).exists()


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


# --- the help page ------------------------------------------------------------------------------


def test_the_help_page_is_docs_topics_md(client) -> None:
    html = client.get("/help/topics/").content.decode()

    assert '<h1 id="writing-topics">Writing topics</h1>' in html
    assert '<th scope="col">write</th>' in html
    assert "<td><code>cat:cs.*</code></td>" in html


def test_the_manage_page_links_to_the_help_page(client) -> None:
    assert 'href="/help/topics/"' in open_link(client, ada()).content.decode()
