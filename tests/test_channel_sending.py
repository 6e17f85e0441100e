"""Team channels end to end in-process: planned on their schedule, built from their topics, posted
to fake Slack, Discord, Teams and generic webhooks on 127.0.0.1 that check each request as the
service would, split when long, retried on 429 and 5xx, never the same paper twice.
"""

from datetime import timedelta

import pytest

from digest import actions
from digest.channel_sending import plan_posts, send_posts, sweep_posts
from digest.models import ChannelPaper, ChannelPost
from tests.digests import MORNING, make_paper
from tests.fake_chat import PATHS, Answer, FakeChat, fake_chat, throttled, titles
from tests.personas import make_reader

pytestmark = pytest.mark.django_db
KINDS = list(PATHS)


@pytest.fixture
def chat(settings, frozen_clock):
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.SEND_RETRY_DELAYS = [10, 30]
    settings.CHANNEL_PART_GAP = 0  # parts back to back, but where the pacing is the point
    frozen_clock.travel_to(MORNING - timedelta(days=2))
    with fake_chat() as fake:
        yield fake
    frozen_clock.travel_to(MORNING)


def team(fake: FakeChat, kind: str, **fields: object):
    """ada's channel "ML team" posting to the fake `kind` service, daily at 08:00 UTC."""
    owner = make_reader("ada@example.com")
    fields = {"name": "ML team", "kind": kind, **fields}
    return actions.add_channel(owner, fake.url(kind), **fields)


def post_now(frozen_clock) -> list[int]:
    frozen_clock.travel_to(MORNING)
    return plan_posts(MORNING)


@pytest.mark.parametrize("kind", KINDS)
def test_each_service_receives_a_well_formed_post_of_the_matching_papers(chat, frozen_clock, kind):
    team(chat, kind, topics=["diffusion"])
    make_paper("Diffusion for video", upvotes=5)
    make_paper("Graph networks", upvotes=50)
    make_paper("Faster diffusion", upvotes=9)

    outcome = send_posts(post_now(frozen_clock))

    assert len(outcome.sent) == 1
    assert len(chat.requests) == 1  # and the service accepted it as well formed:
    assert [titles(p, kind) for p in chat.accepted()] == [
        ["Faster diffusion", "Diffusion for video"]
    ]
    post = ChannelPost.objects.get()
    assert (post.status, post.parts_sent, post.attempts) == ("sent", 1, 0)


@pytest.mark.parametrize(("kind", "papers"), [("slack", 50), ("discord", 12), ("teams", 40)])
def test_a_long_post_is_split_within_the_service_limits(chat, frozen_clock, kind, papers):
    team(chat, kind, papers_per_post=papers)
    for number in range(papers):
        make_paper(f"Paper {number:02d}", "An abstract. " * 60, upvotes=100 - number)

    send_posts(post_now(frozen_clock))

    accepted = chat.accepted()
    assert len(chat.requests) == len(accepted) > 1  # every part well formed, none refused
    posted = [title for payload in accepted for title in titles(payload, kind)]
    assert posted == [f"Paper {number:02d}" for number in range(papers)]
    assert ChannelPost.objects.get().parts_sent == len(accepted)


def test_the_parts_of_a_post_go_a_gap_apart_and_a_resumed_post_starts_at_once(
    chat, frozen_clock, settings
):
    settings.CHANNEL_PART_GAP = 1.5
    team(chat, "discord", papers_per_post=25)  # 10 embeds a message: three parts
    for number in range(25):
        make_paper(f"Paper {number:02d}", upvotes=100 - number)
    chat.script = {2: Answer(500, "oops")}
    waits: list[tuple[int, float]] = []  # (requests the service had seen, seconds waited)

    def sleep(seconds: float) -> None:
        waits.append((len(chat.requests), seconds))
        frozen_clock.advance(timedelta(seconds=seconds))

    send_posts(post_now(frozen_clock), sleep=sleep)  # part 1, a wait, part 2 refused
    resumed = ChannelPost.objects.get().due_at
    frozen_clock.travel_to(resumed)
    send_posts([ChannelPost.objects.get().pk], sleep=sleep)  # part 2 at once, a wait, part 3

    assert waits == [(1, 1.5), (3, 1.5)]
    post = ChannelPost.objects.get()
    assert (post.status, post.parts_sent, len(chat.accepted())) == ("sent", 3, 3)
    assert timedelta(seconds=1.5) <= post.sent_at - resumed < timedelta(seconds=2)


def test_a_429_hands_the_post_back_until_the_time_slack_asked_for(chat, frozen_clock):
    team(chat, "slack")
    make_paper("Diffusion")
    chat.script = {1: throttled("slack", 7)}

    outcome = send_posts(post_now(frozen_clock))

    assert outcome.retry == {7.0: [ChannelPost.objects.get().pk]}
    post = ChannelPost.objects.get()
    assert (post.status, post.attempts) == ("planned", 1)
    assert timedelta(seconds=7) <= post.due_at - MORNING < timedelta(seconds=8)
    assert "429" in post.reason
    send_posts([post.pk])
    assert ChannelPost.objects.get().status == "sent"
    assert len(chat.accepted()) == 1


def test_discords_429_says_how_long_to_wait_in_its_body(chat, frozen_clock):
    team(chat, "discord")
    make_paper("Diffusion")
    chat.script = {1: throttled("discord", 2.5)}

    assert list(send_posts(post_now(frozen_clock)).retry) == [2.5]


def test_5xx_is_retried_by_the_table_then_fails_and_releases_the_papers(chat, frozen_clock):
    team(chat, "teams")
    make_paper("Diffusion")
    chat.script = {n: Answer(503, "busy") for n in (1, 2, 3)}
    ids = post_now(frozen_clock)

    assert list(send_posts(ids).retry) == [10]
    assert list(send_posts(ids).retry) == [30]
    assert send_posts(ids).failed == ids

    post = ChannelPost.objects.get()
    assert post.status == "failed" and post.reason.startswith("Gave up after 3 attempts.")
    assert not ChannelPaper.objects.exists()  # nothing reached the channel: a later post may


def test_a_refused_post_fails_at_once(chat, frozen_clock):
    team(chat, "discord")
    make_paper("Diffusion")
    chat.script = {1: Answer(400, '{"code": 50035}')}

    assert send_posts(post_now(frozen_clock)).failed
    assert len(chat.requests) == 1


def test_a_retry_sends_only_the_parts_not_yet_accepted(chat, frozen_clock):
    team(chat, "discord", papers_per_post=25)
    for number in range(25):
        make_paper(f"Paper {number:02d}", upvotes=100 - number)
    chat.script = {2: Answer(502, "bad gateway")}
    ids = post_now(frozen_clock)

    send_posts(ids)
    assert ChannelPost.objects.get().parts_sent == 1
    send_posts(ids)

    posted = [title for payload in chat.accepted() for title in titles(payload, "discord")]
    assert posted == [f"Paper {number:02d}" for number in range(25)]  # none twice
    assert ChannelPost.objects.get().status == "sent"


def test_the_sweeper_hands_back_a_post_whose_worker_died_mid_post(chat, frozen_clock, settings):
    team(chat, "discord", papers_per_post=15)
    for number in range(15):
        make_paper(f"Paper {number:02d}", upvotes=100 - number)
    ids = post_now(frozen_clock)
    chat.script = {2: Answer(hang=True)}
    settings.SEND_TIMEOUT = 0.5  # the held part times out: here, as if its worker died
    send_posts(ids)
    # What a killed worker leaves: the post "sending", its first part recorded.
    ChannelPost.objects.update(status="sending", claimed_at=MORNING, attempts=0)

    frozen_clock.advance(settings.SEND_LEASE + timedelta(seconds=1))
    assert sweep_posts(frozen_clock.now()) == ids
    assert ChannelPost.objects.get().attempts == 1  # the part in flight counts as tried
    send_posts(ids)

    accepted = [title for p in chat.accepted() for title in titles(p, "discord")]
    assert accepted == [f"Paper {number:02d}" for number in range(15)]
    assert ChannelPost.objects.get().status == "sent"


def test_a_channel_never_gets_the_same_paper_twice(chat, frozen_clock):
    team(chat, "webhook")
    make_paper("Diffusion", hours_ago=2)
    send_posts(post_now(frozen_clock))
    make_paper("Fresh", hours_ago=-1)  # first seen after the first post

    frozen_clock.travel_to(MORNING + timedelta(days=1))
    send_posts(plan_posts(MORNING + timedelta(days=1)))

    assert [titles(p, "webhook") for p in chat.accepted()] == [["Diffusion"], ["Fresh"]]


def test_a_paused_channel_gets_nothing_and_a_due_one_one_post_per_period(chat, frozen_clock):
    channel = team(chat, "slack")
    actions.set_channel_paused(channel, True)
    frozen_clock.travel_to(MORNING)
    assert plan_posts(MORNING) == []

    actions.set_channel_paused(channel, False)
    assert len(plan_posts(MORNING)) == 1
    assert plan_posts(MORNING + timedelta(hours=3)) == []  # the same day
    assert plan_posts(MORNING - timedelta(hours=1), force=True) == []


def test_a_channel_added_after_todays_hour_waits_for_tomorrow(chat, frozen_clock):
    frozen_clock.travel_to(MORNING + timedelta(hours=1))
    team(chat, "slack")
    assert plan_posts(MORNING + timedelta(hours=2)) == []
    assert len(plan_posts(MORNING + timedelta(days=1))) == 1


def test_a_test_post_reaches_the_service_or_says_why_not(chat):
    channel = team(chat, "teams")
    assert actions.send_test_post(channel) is None
    chat.script = {2: Answer(404, "Webhook not found")}
    assert actions.send_test_post(channel) == (
        "The service no longer takes this webhook address (it answered 404: Webhook not found)."
        " Edit the channel to give it a new one."
    )
    assert len(chat.accepted()) == 1


def test_a_channel_paused_after_planning_gets_nothing(chat, frozen_clock):
    channel = team(chat, "slack")
    make_paper("Diffusion")
    ids = post_now(frozen_clock)
    actions.set_channel_paused(channel, True)

    assert send_posts(ids).skipped == ids
    assert ChannelPost.objects.get().reason == "The channel was paused, or its owner left."
    assert chat.requests == [] and not ChannelPaper.objects.exists()


def test_the_address_is_checked_again_at_each_post_and_redirects_are_not_followed(
    chat, frozen_clock, settings
):
    team(chat, "webhook")
    make_paper("Diffusion")
    chat.script = {1: Answer(302, "", {"Location": "http://169.254.169.254/"})}
    ids = post_now(frozen_clock)
    assert send_posts(ids).failed == ids  # a redirect is an answer, never followed
    assert len(chat.requests) == 1

    ChannelPost.objects.all().delete()
    settings.FETCH_ALLOWED_HOSTS = []  # 127.0.0.1 is not public: refused before connecting
    assert send_posts(plan_posts(MORNING)).failed
    assert ChannelPost.objects.get().reason.startswith("The address was refused")
    assert len(chat.requests) == 1
