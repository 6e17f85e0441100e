"""`manage.py send_digests` plans and sends the channel posts due, as beat does, with its own
flags (--force, --now, --dry-run) and a summary line that counts the posts too."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from digest import actions
from digest.models import ChannelPost
from tests.digests import MORNING, make_paper
from tests.fake_chat import fake_chat, titles
from tests.personas import make_reader

pytestmark = pytest.mark.django_db
AT_MORNING = ("--now", MORNING.isoformat())


def run(*args: str) -> str:
    out = StringIO()
    call_command("send_digests", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def chat(settings, frozen_clock):
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    with fake_chat() as fake:
        yield fake


def team(chat, frozen_clock, **fields: object) -> None:
    """ada reads digests and owns "ML team" on fake Slack, daily at 08:00 UTC, added a day ago."""
    frozen_clock.travel_to(MORNING - timedelta(days=1))
    ada = make_reader("ada@example.com", delivery_hour=8, time_zone="UTC")
    actions.add_channel(ada, chat.url("slack"), name="ML team", kind="slack", **fields)
    frozen_clock.travel_to(MORNING)


def test_the_command_sends_the_channel_posts_due_and_counts_them(chat, frozen_clock):
    team(chat, frozen_clock, topics=["diffusion"])
    make_paper("Diffusion models", upvotes=3)

    summary = run(*AT_MORNING)

    assert [titles(payload, "slack") for payload in chat.accepted()] == [["Diffusion models"]]
    assert ChannelPost.objects.get().status == "sent"
    assert "Planned 1 digest(s): 1 sent, 0 skipped (nothing new), 0 failed;" in summary
    assert "1 channel post(s): 1 sent, 0 skipped (nothing new), 0 failed." in summary


def test_a_forced_run_posts_to_a_channel_before_its_hour_once(chat, frozen_clock):
    team(chat, frozen_clock, delivery_hour=23)
    make_paper("Diffusion models")

    assert "1 channel post(s): 1 sent" in run("--force", *AT_MORNING)
    assert "0 channel post(s): 0 sent" in run("--force", *AT_MORNING)
    assert len(chat.accepted()) == 1


def test_a_dry_run_names_the_channels_papers_and_posts_nothing(chat, frozen_clock):
    team(chat, frozen_clock, topics=["diffusion"])
    make_paper("Diffusion models")
    make_paper("Graph networks")

    out = run("--dry-run", *AT_MORNING)

    assert "Channel ML team (ada@example.com): 1 paper(s)\n  - Diffusion models\n" in out
    assert "Dry run: 1 reader(s) and 1 channel(s) due; nothing was sent." in out
    assert not chat.requests and not ChannelPost.objects.exists()
