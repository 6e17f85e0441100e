from datetime import timedelta

import pytest
from django.urls import reverse

from digest.models import Paper
from subscriptions.models import Subscriber
from tests.personas import ada, bob, cy, dee

pytestmark = pytest.mark.django_db

SUBSCRIBE = reverse("subscriptions:subscribe")


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST the subscribe form and run what was queued after commit (the email tasks)."""

    def post(data: dict, ip: str = "203.0.113.7", **headers: str):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(SUBSCRIBE, data, REMOTE_ADDR=ip, **headers)

    return post


def test_an_email_alone_is_a_complete_subscription(post, mailoutbox) -> None:
    response = post({"email": "eve@example.com"})

    assert response.status_code == 200
    eve = Subscriber.objects.get(email="eve@example.com")
    assert (eve.status, eve.frequency, eve.topics.count()) == ("pending", "daily", 0)
    assert [m.to for m in mailoutbox] == [["eve@example.com"]]


def test_it_records_the_consent_request(post) -> None:
    post({"email": "eve@example.com"}, HTTP_USER_AGENT="Firefox/140")

    eve = Subscriber.objects.get(email="eve@example.com")
    assert eve.consent_asked_at is not None
    assert eve.consent_confirmed_at is None
    assert (eve.consent_ip, eve.consent_user_agent) == ("203.0.113.7", "Firefox/140")
    assert eve.consent_wording


def test_topics_are_one_query_per_line(post) -> None:
    post({"email": "eve@example.com", "topics": "diffusion\n\n  cat:cs.CL retrieval  \n"})

    eve = Subscriber.objects.get(email="eve@example.com")
    assert [t.query for t in eve.topics.all()] == ["diffusion", "cat:cs.CL retrieval"]


def test_a_line_repeating_an_earlier_topic_is_left_out(post) -> None:
    post({"email": "eve@example.com", "topics": "diffusion\nDiffusion\n  diffusion \nllm*"})

    eve = Subscriber.objects.get(email="eve@example.com")
    assert [t.query for t in eve.topics.all()] == ["diffusion", "llm*"]


def test_invalid_topics_are_shown_back_with_the_parsers_message(post, mailoutbox) -> None:
    response = post({"email": "eve@example.com", "topics": "diffusion\n(video"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 2" in html and "(video" in html
    assert response.context["form"].topic_problems[0].line_number == 2
    assert not Subscriber.objects.exists() and not mailoutbox


def test_a_bad_email_is_shown_back(post) -> None:
    response = post({"email": "not-an-address"})

    assert response.status_code == 400
    assert "look like an email address" in response.content.decode()


def _page_for(post, email: str) -> str:
    return post({"email": email}).content.decode().replace(email, "EMAIL")


def test_every_address_state_gets_the_same_page(post) -> None:
    ada(), bob(), cy(), dee()
    pages = {
        state: _page_for(post, email)
        for state, email in [
            ("new", "eve@example.com"),
            ("active", "ada@example.com"),
            ("pending", "bob@example.com"),
            ("bounced", "cy@example.com"),
            ("unsubscribed", "dee@example.com"),
        ]
    }

    assert len(set(pages.values())) == 1, pages.keys()
    assert "Check your inbox" in pages["new"]


def test_an_active_reader_keeps_their_topics_and_gets_their_manage_link(post, mailoutbox) -> None:
    ada()
    post({"email": "ADA@example.com", "topics": "quantum"})

    reader = Subscriber.objects.get(email="ada@example.com")
    assert reader.status == "active"
    assert [t.query for t in reader.topics.all()] == ["diffusion", "cat:cs.CL retrieval"]
    assert "/manage/" in mailoutbox[0].body


def test_an_unsubscribed_reader_coming_back_must_confirm_again(post, mailoutbox) -> None:
    dee()
    post({"email": "dee@example.com"})

    assert Subscriber.objects.get(email="dee@example.com").status == "pending"
    assert "/confirm/" in mailoutbox[0].body


def test_a_bounced_address_gets_no_email(post, mailoutbox) -> None:
    cy()
    post({"email": "cy@example.com"})

    assert Subscriber.objects.get(email="cy@example.com").status == "bounced"
    assert mailoutbox == []


def test_the_honeypot_looks_like_success_and_sends_nothing(post, mailoutbox) -> None:
    response = post({"email": "victim@example.com", "website": "http://spam.example"})

    assert "Check your inbox" in response.content.decode()
    assert not Subscriber.objects.exists() and mailoutbox == []


def test_at_most_three_confirmation_emails_per_address_per_day(post, mailoutbox) -> None:
    spellings = [
        "v.ictim@gmail.com",
        "victim+1@gmail.com",
        "VICTIM@gmail.com",
        "victim+2@gmail.com",
    ]
    for number, email in enumerate(spellings * 2):
        response = post({"email": email}, ip=f"198.51.100.{number}")
        assert "Check your inbox" in response.content.decode()

    assert len(mailoutbox) == 3


def test_quoted_and_idn_spellings_of_one_mailbox_share_its_three_emails(post, mailoutbox) -> None:
    spellings = [
        "mallory.victim@bücher.example",
        "mallory.victim@xn--bcher-kva.example",
        "Mallory.Victim@BÜCHER.example",
        "mallory.victim@XN--BCHER-KVA.EXAMPLE",
        '"mallory.victim"@bücher.example',
        '"mallory\\.victim"@xn--bcher-kva.example',
    ]
    for number, email in enumerate(spellings * 2):
        post({"email": email}, ip=f"198.51.100.{number}")

    assert len(mailoutbox) == 3
    assert {m.to[0] for m in mailoutbox} == {"mallory.victim@xn--bcher-kva.example"}


def test_a_quoted_address_is_refused_with_a_plain_message(post, mailoutbox) -> None:
    response = post({"email": '"ada"@example.com'})

    assert response.status_code == 400
    assert "Please use an address without quotation marks." in response.content.decode()
    assert mailoutbox == [] and not Subscriber.objects.exists()


def test_a_spent_allowance_leaves_no_reader_behind(post) -> None:
    for number in range(4):
        post({"email": f"victim+{number}@example.com"})

    assert Subscriber.objects.count() == 3


def test_the_address_allowance_comes_back_the_next_day(post, mailoutbox, frozen_clock) -> None:
    for _ in range(4):
        post({"email": "victim@example.com"})
    frozen_clock.advance(timedelta(days=1))
    post({"email": "victim@example.com"})

    assert len(mailoutbox) == 4


def test_one_ip_is_limited_per_hour(post, settings) -> None:
    settings.SUBSCRIBE_POSTS_PER_IP_PER_HOUR = 2
    codes = [post({"email": f"p{n}@example.com"}).status_code for n in range(3)]

    assert codes == [200, 200, 429]
    assert Subscriber.objects.count() == 2


def test_the_subscribe_form_needs_a_csrf_token(mailoutbox) -> None:
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(SUBSCRIBE, {"email": "eve@example.com"})

    assert response.status_code == 403


def test_the_home_page_lists_todays_trending_papers_most_upvoted_first(client) -> None:
    from django.utils import timezone

    now = timezone.now()
    for key, title, upvotes in [("a", "Middling", 5), ("b", "Top", 40), ("c", "Unrated", None)]:
        Paper.objects.create(key=key, title=title, upvotes=upvotes, first_seen_at=now)
    Paper.objects.create(
        key="old", title="Last week", upvotes=99, first_seen_at=now - timedelta(days=7)
    )

    titles = [p.title for p in client.get("/").context["papers"]]

    assert titles == ["Top", "Middling", "Unrated"]


def test_among_equal_upvotes_the_newest_paper_comes_first(client) -> None:
    from django.utils import timezone

    now = timezone.now()
    Paper.objects.create(
        key="a", title="Older", upvotes=5, first_seen_at=now, published_at=now - timedelta(days=2)
    )
    Paper.objects.create(key="b", title="Newer", upvotes=5, first_seen_at=now, published_at=now)

    assert [p.title for p in client.get("/").context["papers"]] == ["Newer", "Older"]


def test_the_home_page_escapes_paper_data_and_drops_script_links(client) -> None:
    from django.utils import timezone

    Paper.objects.create(
        key="x",
        title="<script>alert(1)</script>",
        authors=["<b>Mallory</b>"],
        abs_url="javascript:alert(2)",
        first_seen_at=timezone.now(),
    )

    html = client.get("/").content.decode()

    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "<b>Mallory" not in html
    assert "javascript:" not in html


def test_the_home_page_costs_one_query(client, django_assert_num_queries) -> None:
    from django.utils import timezone

    for n in range(30):
        Paper.objects.create(
            key=f"p{n}", title=f"Paper {n}", upvotes=n, first_seen_at=timezone.now()
        )

    with django_assert_num_queries(1):
        response = client.get("/")

    assert len(response.context["papers"]) == 20


# --- the time zone ------------------------------------------------------------------------------


def test_the_form_asks_a_time_zone_from_a_list_utc_first_chosen(client) -> None:
    html = client.get("/").content.decode()

    assert '<select name="time_zone" id="id_time_zone"' in html
    assert '<option value="UTC" selected>UTC</option>' in html
    assert '<option value="Europe/Paris">Europe/Paris</option>' in html


def test_the_time_zone_chosen_at_sign_up_is_stored_on_the_reader(post) -> None:
    post({"email": "eve@example.com", "time_zone": "Asia/Kolkata"})

    assert Subscriber.objects.get(email="eve@example.com").time_zone == "Asia/Kolkata"


def test_without_a_time_zone_a_reader_gets_utc(post) -> None:
    post({"email": "eve@example.com"})

    assert Subscriber.objects.get(email="eve@example.com").time_zone == "UTC"


def test_a_time_zone_not_in_the_list_is_shown_back_in_plain_words(post) -> None:
    response = post({"email": "eve@example.com", "time_zone": "Mars/Olympus"})

    assert response.status_code == 400
    assert "is not a time zone we know. Choose one from the list." in response.content.decode()
    assert not Subscriber.objects.filter(email="eve@example.com").exists()


def test_signing_up_again_does_not_change_an_active_readers_time_zone(post) -> None:
    reader = ada()

    post({"email": "ada@example.com", "time_zone": "Asia/Tokyo"})

    reader.refresh_from_db()
    assert reader.time_zone == "UTC"
