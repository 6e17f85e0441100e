"""From the email to the next digest: feedback links, votes that retrain, mutes that hold."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from digest import tastes
from digest.models import Paper, Taste
from digest.topics.learning import MODEL_VERSION
from subscriptions.models import Vote
from tests.digests import MORNING, make_paper
from tests.personas import make_reader

pytestmark = pytest.mark.django_db


def _send(at) -> None:
    call_command("send_digests", "--now", at.isoformat(), stdout=StringIO())


def _html_links(message, text: str) -> list[str]:
    html = message.alternatives[0][0]
    return re.findall(rf'<a href="([^"]+)"[^>]*>{text}</a>', html)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_every_paper_carries_both_links_in_html_and_text_and_opening_one_changes_nothing() -> None:
    make_paper("Sparse attention", upvotes=5)
    make_paper("Video diffusion", upvotes=3)
    make_reader("ada@example.com")

    _send(MORNING)

    message = mail.outbox[0]
    more, less = _html_links(message, "More like this"), _html_links(message, "Less like this")
    assert len(more) == len(less) == 2
    assert re.findall(r"^More like this: (\S+)$", message.body, re.M) == more
    assert re.findall(r"^Less like this: (\S+)$", message.body, re.M) == less
    assert "Sparse attention\n" in message.body  # the title still alone on its line
    assert Client().get(_path(more[0])).status_code == 200
    assert not Vote.objects.exists()


def test_a_vote_from_the_email_trains_the_reader_and_reorders_the_next_digest(
    django_capture_on_commit_callbacks,
) -> None:
    for n in range(12):
        make_paper(f"Protein folding study {n}", "protein structure folding residues", upvotes=1)
        make_paper(f"Language model study {n}", "language model tokens training", upvotes=50)
    ada = make_reader("ada@example.com", max_papers=4)
    _send(MORNING)
    first = mail.outbox[0]
    assert "Protein" not in first.subject + first.body.split("More like this")[0]

    client = Client()
    titles = re.findall(r'class="title"[^>]*>([^<]+)<', first.alternatives[0][0])
    for url, title in zip(_html_links(first, "Less like this"), titles, strict=True):
        assert "Language" in title
        with django_capture_on_commit_callbacks(execute=True):  # the training task, eagerly
            client.post(_path(url))
    for n in range(12):
        make_paper(
            f"Protein folding follow-up {n}", "protein structure folding", hours_ago=-20, upvotes=1
        )
        make_paper(
            f"Language model follow-up {n}", "language model tokens", hours_ago=-20, upvotes=50
        )
    _send(MORNING + timedelta(days=1))

    assert Taste.objects.get(subscriber=ada).votes == 4
    second = mail.outbox[1].body
    shown = re.findall(r"^(\S.*follow-up \d+)$", second, re.M)
    assert shown and all("Protein" in title for title in shown), shown
    assert "You liked similar papers" in second or "Trending" in second


def test_a_muted_author_is_kept_out_of_the_next_digest() -> None:
    make_paper("By Grace", authors=["Grace Hopper"], upvotes=9)
    ada = make_reader("ada@example.com")
    _send(MORNING)
    from digest import actions

    actions.mute(ada, "author", "grace  hopper")
    make_paper("Grace again", authors=["Grace Hopper"], hours_ago=-20, upvotes=9)
    make_paper("Someone else", authors=["Alan Turing"], hours_ago=-20)
    _send(MORNING + timedelta(days=1))

    assert "Grace again" not in mail.outbox[1].body
    assert "Someone else" in mail.outbox[1].body


def test_a_model_an_older_release_trained_is_trained_anew_when_next_needed() -> None:
    for n in range(6):
        make_paper(f"Protein folding study {n}", "protein structure folding residues", upvotes=1)
        make_paper(f"Language model study {n}", "language model tokens training", upvotes=50)
    ada = make_reader("ada@example.com")
    for paper in Paper.objects.filter(title__startswith="Protein")[:3]:
        Vote.objects.create(subscriber=ada, paper=paper, liked=True, voted_at=MORNING)
    old = {"version": MODEL_VERSION - 1, "votes": 3, "weights": {"language": 9.0}}
    Taste.objects.create(subscriber=ada, state=old, votes=3, trained_at=MORNING)

    [model] = tastes.models_of([ada.pk]).values()

    assert model.votes == 3 and model.weights.get("language", 0) <= 0
    assert Taste.objects.get(subscriber=ada).state["version"] == MODEL_VERSION
