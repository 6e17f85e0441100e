""" "More like this" and "Less like this": the two links beside every paper of a digest.

A feedback link signs the digest (its own purpose, issued when the digest was sent, valid as
long as a manage link sent then) and names the paper by its position in that digest. It can
only vote: opening it (GET) shows the paper and one button, since mail scanners open every
link; the button's POST records the vote. Muting an author or a word changes the subscription,
so it needs the manage page's session; without one the page offers to email the reader (never
the visitor) a manage link.
"""

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from core import ratelimit
from core.responses import broken_link, too_many
from core.tokens import BadToken, ExpiredToken, read_token
from digest import actions as digest_actions
from digest.models import Delivery, SentPaper
from digest.topics.query import tokenize
from subscriptions import link_session
from subscriptions.models import Subscriber, Vote
from subscriptions.pages import email_manage_link

PURPOSE = "feedback"
MUTABLE_WORDS = 12  # the paper's title words offered to mute, at most


@require_http_methods(["GET", "HEAD", "POST"])
def feedback(request: HttpRequest, token: str, position: int, liked: bool) -> HttpResponse:
    response = _feedback(request, token, position, liked)
    # The token must not leave the site, but the page's forms need a real Origin header, which
    # browsers replace with "null" under no-referrer (Django's CSRF check refuses that).
    response["Referrer-Policy"] = "same-origin"
    return response


def _feedback(request: HttpRequest, token: str, position: int, liked: bool) -> HttpResponse:
    try:
        public_id = read_token(token, PURPOSE, settings.MANAGE_LINK_MAX_AGE)
    except ExpiredToken:
        return render(request, "subscriptions/feedback_expired.html", status=410)
    except BadToken:
        return broken_link(request)
    item = (
        SentPaper.objects.select_related("paper", "subscriber")
        .filter(delivery__public_id=public_id, position=position)
        .exclude(delivery__status=Delivery.Status.SKIPPED)
        .first()
    )
    if item is None:
        return broken_link(request)
    reader, paper = item.subscriber, item.paper
    if request.method == "POST" and request.POST.get("action") == "manage-link":
        return email_manage_link(request, reader)
    if request.method == "POST":
        if not _votes_allowed(reader):
            return too_many(request)
        digest_actions.vote(reader, paper, liked)
    context = {
        "paper": paper,
        "liked": liked,
        "vote": Vote.objects.filter(subscriber=reader, paper=paper).first(),
        "can_manage": _manages(request, reader),
        "authors": paper.authors[:20],
        "words": _mutable_words(paper.title),
    }
    return render(request, "subscriptions/feedback.html", context)


def _votes_allowed(reader: Subscriber) -> bool:
    """Counted per reader, never per IP: a whole lab may vote from one address."""
    return ratelimit.hit("vote", reader.public_id.hex, settings.VOTES_PER_HOUR, timedelta(hours=1))


def _manages(request: HttpRequest, reader: Subscriber) -> bool:
    """Whether this browser holds a live manage link of this very reader."""
    try:
        token = link_session.kept(request, "manage")
        return read_token(token, "manage", settings.MANAGE_LINK_MAX_AGE) == reader.public_id
    except BadToken:
        return False


def _mutable_words(title: str) -> list[str]:
    """The title's distinct words of four letters or more, in order: the ones worth muting."""
    words = dict.fromkeys(word for word in tokenize(title) if len(word) >= 4)
    return list(words)[:MUTABLE_WORDS]
