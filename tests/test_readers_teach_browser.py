"""In a real browser: "Less like this" from an emailed digest, then mute one of its authors;
"More like this", then start a topic from the paper."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from digest.models import Paper
from tests.personas import make_reader


def paper(number: int, title: str, authors: list[str], hours_ago: float) -> Paper:
    return Paper.objects.create(
        key=f"arxiv:2612.{number:05d}",
        arxiv_id=f"2612.{number:05d}",
        title=title,
        authors=authors,
        first_seen_at=timezone.now() - timedelta(hours=hours_ago),
        upvotes=10,
        abs_url=f"https://arxiv.org/abs/2612.{number:05d}",
    )


def send(at) -> None:
    call_command("send_digests", "--force", "--now", at.isoformat(), stdout=StringIO())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_less_like_this_then_mute_an_author_keeps_them_out_of_the_next_digest(
    live_server, page, artefacts, mailoutbox, settings
) -> None:
    settings.SITE_URL = live_server.url  # links in the email point at this server
    now = timezone.now()
    paper(1, "Grace's compiler paper", ["Grace Hopper", "Alan Turing"], hours_ago=2)
    make_reader("ada@example.com", time_zone="UTC")
    send(now)
    [digest] = mailoutbox
    html = digest.alternatives[0][0]
    less = re.search(r'<a href="([^"]+)"[^>]*>Less like this</a>', html).group(1)
    manage = re.search(r"https?://\S+/manage/\S+/", digest.body).group()

    page.goto(manage)  # the email's manage link: this browser now manages ada's subscription
    page.goto(less)
    page.get_by_role("button", name="Less like this").click()
    page.get_by_label("by Grace Hopper").check()
    page.screenshot(path=artefacts / "feedback-mute.png", full_page=True)
    page.get_by_role("button", name="Mute").click()

    assert "Muted: you won't get papers by Grace Hopper any more." in page.content()
    paper(2, "Grace's next paper", ["Grace Hopper"], hours_ago=-1)
    paper(3, "Someone else's paper", ["Edsger Dijkstra"], hours_ago=-1)
    send(now + timedelta(days=1))
    later = mailoutbox[-1].body
    assert "Someone else's paper" in later
    assert "Grace Hopper" not in later


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_more_like_this_then_start_a_topic_from_the_paper_on_a_phone(
    live_server, page, artefacts, mailoutbox, settings
) -> None:
    settings.SITE_URL = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    liked = paper(1, "Sparse attention for very long contexts", ["Grace Hopper"], hours_ago=2)
    make_reader("ada@example.com", time_zone="UTC")
    send(timezone.now())
    [digest] = mailoutbox
    html = digest.alternatives[0][0]
    more = re.search(r'<a href="([^"]+)"[^>]*>More like this</a>', html).group(1)
    manage = re.search(r"https?://\S+/manage/\S+/", digest.body).group()

    page.goto(manage)
    page.goto(more)
    page.get_by_role("button", name="More like this").click()
    page.screenshot(path=artefacts / "feedback-start-topic.png", full_page=True)
    page.get_by_role("button", name="Start a topic from this paper").click()

    assert "Topic “Sparse attention for very long contexts” added" in page.content()
    assert page.locator(f'input[value="like:{liked.arxiv_id}"]').count() == 1
