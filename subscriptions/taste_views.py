"""What the reader taught the ranking, changed from the manage page: votes, mutes and the
"trending <-> mine" control, and a `like:` topic started from a paper the reader liked. Every
change is a POST behind the manage session (see manage_views.with_reader), answered with a
redirect back to the page's section.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from digest import actions as digest_actions
from digest.models import Paper
from digest.topics.query import Like, QueryError, parse
from subscriptions import actions
from subscriptions.forms import MAX_TOPICS
from subscriptions.manage_views import with_reader
from subscriptions.models import Subscriber

SECTION = "taste"
TOPIC_NAME_LENGTH = 60  # a topic started from a paper is named after its title, this short


@require_POST
@with_reader
def mute(request: HttpRequest, subscriber: Subscriber) -> HttpResponse:
    """`mute` is "author:<name>" or "word:<word>", as the feedback page's choices send it."""
    kind, _, value = request.POST.get("mute", "").partition(":")
    try:
        muted = digest_actions.mute(subscriber, kind, value)
    except ValueError:
        return _back(request, "Choose an author or a word to mute.", SECTION, error=True)
    shown = f"papers by {muted.value}" if kind == "author" else f"papers with “{muted.value}”"
    return _back(request, f"Muted: you won't get {shown} any more.", SECTION)


@require_POST
@with_reader
def unmute(request: HttpRequest, subscriber: Subscriber, pk: int) -> HttpResponse:
    digest_actions.unmute(subscriber, pk)
    return _back(request, "Unmuted.", SECTION)


@require_POST
@with_reader
def remove_vote(request: HttpRequest, subscriber: Subscriber, paper_id: int) -> HttpResponse:
    digest_actions.remove_vote(subscriber, paper_id)
    return _back(request, "Vote removed.", SECTION)


@require_POST
@with_reader
def change_blend(request: HttpRequest, subscriber: Subscriber) -> HttpResponse:
    """`blend` is 0 to 100 (trending to mine), or empty to let the votes decide."""
    raw = request.POST.get("blend", "").strip()
    if raw in ("", "auto"):
        actions.set_taste_weight(subscriber, None)
    elif raw.isascii() and raw.isdigit() and int(raw) <= 100:
        actions.set_taste_weight(subscriber, int(raw) / 100)
    else:
        return _back(request, "Choose a value from 0 to 100.", SECTION, error=True)
    return _back(request, "Saved: your digests are ordered that way from now on.", SECTION)


@require_POST
@with_reader
def start_topic(request: HttpRequest, subscriber: Subscriber) -> HttpResponse:
    """`paper` is a stored paper's id, as the "More like this" page sends it: adds the topic
    `like:<its arXiv id>`, named after its title, unless the reader has it or has no room."""
    paper = Paper.objects.filter(pk=_number(request.POST.get("paper", "")))
    paper = paper.exclude(arxiv_id=None).first()
    if paper is None:
        return _back(request, "That paper can't start a topic.", "topics", error=True)
    query = f"like:{paper.arxiv_id}"
    existing = next((t for t in subscriber.topics.all() if _is_like(t.query, paper.arxiv_id)), None)
    if existing is not None:
        return _back(request, f"You already have this topic: “{existing.name}”.", "topics")
    if subscriber.topics.count() >= MAX_TOPICS:
        message = f"You have {MAX_TOPICS} topics, the most there can be: remove one first."
        return _back(request, message, "topics", error=True)
    name = _shortened(paper.title)
    actions.add_topics(subscriber, [(name, query, 0)])
    return _back(request, f"Topic “{name}” added: papers like this one.", "topics")


def _is_like(query: str, arxiv_id: str) -> bool:
    """Whether the query is exactly `like:<arxiv_id>`, however it is written (`like:…v2`)."""
    try:
        return parse(query).root == Like(arxiv_id)
    except QueryError:
        return False


def _shortened(title: str) -> str:
    """The title on one line, cut after its last whole word that fits the name's length."""
    title = " ".join(title.split())
    if len(title) <= TOPIC_NAME_LENGTH:
        return title
    return title[: TOPIC_NAME_LENGTH - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def _number(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


def _back(request: HttpRequest, message: str, section: str, error: bool = False) -> HttpResponse:
    level = messages.ERROR if error else messages.SUCCESS
    messages.add_message(request, level, message, extra_tags=section)
    return redirect(f"{reverse('subscriptions:manage_page')}#{section}")
