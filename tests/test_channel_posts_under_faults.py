"""Channel posts through a real worker, end to end: fake chat services failing one request in
seven (a 429 with the service's wait, then a 500, in turn), a worker SIGKILLed while handing
over a part and a new one started. Every post arrives whole, each part accepted once: a retry
and the sweeper resend only the parts not yet accepted.

Delays, lease and timeouts are tiny, as in test_sending_under_faults.py.
"""

import os
import signal
from collections import Counter
from datetime import timedelta

import pytest

from core import clock
from digest import actions
from digest.channel_sending import plan_posts, sweep_posts
from digest.models import ChannelPost
from digest.tasks import queue_posts
from tests.digests import MORNING, make_paper
from tests.fake_chat import Answer, FakeChat, fake_chat, throttled, titles
from tests.personas import make_reader
from tests.sending import TUNING, eventually
from tests.services import celery_worker, require_postgres, require_redis, worker_environment
from tests.test_sending_crash_and_rate import pool_children

pytestmark = [pytest.mark.real_broker, pytest.mark.django_db(transaction=True)]
KINDS = ["slack", "discord", "teams", "webhook"] * 2
PAPERS = 25  # Discord's 10 embeds a message: three parts per Discord post
KILLED_AT = 3  # the second part of the first Discord post, being handed over when killed


def worker():
    env = {**worker_environment(), **TUNING, "FETCH_ALLOWED_HOSTS": "127.0.0.1"}
    return celery_worker(env=env)


def faults(requests: int) -> dict[int, Answer]:
    return {
        number: throttled("discord", 0.05) if number % 14 == 7 else Answer(500, "oops")
        for number in range(7, requests, 7)
    }


def all_posts_final() -> bool:
    """every post is sent, skipped or failed"""
    return not ChannelPost.objects.filter(status__in=["planned", "sending"]).exists()


def posted(chat: FakeChat) -> Counter:
    """How many times each (service, paper title) was accepted."""
    return Counter(
        (request.kind, title)
        for request in chat.requests
        if request.status in (200, 202, 204)
        for title in titles(request.payload, request.kind)
    )


def test_a_killed_worker_and_failing_services_still_post_every_paper_once(frozen_clock, settings):
    require_postgres()
    require_redis()
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    frozen_clock.travel_to(MORNING - timedelta(days=1))
    owner = make_reader("ada@example.com")
    titles_ = [f"Paper {number:02d}" for number in range(PAPERS)]
    for number, title in enumerate(titles_):
        make_paper(title, upvotes=100 - number)
    with fake_chat() as chat:
        for number, kind in enumerate(KINDS):
            fields = {"name": f"Team {number}", "kind": kind, "papers_per_post": PAPERS}
            actions.add_channel(owner, chat.url(kind), **fields)
        frozen_clock.reset()
        chat.script = {**faults(200), KILLED_AT: Answer(hang=True)}
        with worker() as first:
            queue_posts(plan_posts(MORNING))
            assert chat.hung.wait(timeout=30), "the worker never reached the killing point"
            assert chat.requests[KILLED_AT - 1].kind == "discord"  # mid-post
            for pid in [*pool_children(first.pid), first.pid]:
                os.kill(pid, signal.SIGKILL)
        chat.release.set()
        frozen_clock.advance(timedelta(seconds=301))  # past the dead worker's lease
        queue_posts(sweep_posts(clock.now()))
        with worker():
            eventually(all_posts_final, seconds=60)

    assert set(ChannelPost.objects.values_list("status", flat=True)) == {"sent"}
    counts = posted(chat)
    # Two channels of each service: every paper accepted exactly twice per service.
    assert counts == Counter({(kind, title): 2 for kind in set(KINDS) for title in titles_})
