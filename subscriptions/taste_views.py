"""What the reader taught the ranking, changed from the manage page: votes, mutes and the
"trending <-> mine" control. Every change is a POST behind the manage session (see
manage_views.with_reader), answered with a redirect back to the page's "taste" section.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from digest import actions as digest_actions
from subscriptions import actions
from subscriptions.manage_views import with_reader
from subscriptions.models import Subscriber

SECTION = "taste"


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


def _back(request: HttpRequest, message: str, section: str, error: bool = False) -> HttpResponse:
    level = messages.ERROR if error else messages.SUCCESS
    messages.add_message(request, level, message, extra_tags=section)
    return redirect(f"{reverse('subscriptions:manage_page')}#{section}")
