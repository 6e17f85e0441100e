"""Pages opened from links in emails. Each link carries a signed token (see tokens.py).

GET never changes anything: mail scanners open every link in a message. Only a POST (a button
the reader presses, or a mail provider's RFC 8058 one-click request) acts.
"""

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from core import links, ratelimit
from core.tokens import BadToken, ExpiredToken, read_token
from subscriptions import actions, link_session
from subscriptions.models import Subscriber
from subscriptions.pages import broken_link, check_inbox, no_referrer, too_many, unknown_reader

Status = Subscriber.Status


def _within_token_allowance(purpose: str, token: str) -> bool:
    """Rate limits per token, not per IP: mail providers share a few sending addresses."""
    return ratelimit.hit(purpose, token, settings.TOKEN_POSTS_PER_HOUR, timedelta(hours=1))


def _reader(public_id: object) -> Subscriber | None:
    return Subscriber.objects.filter(public_id=public_id).first()


@no_referrer
@require_http_methods(["GET", "HEAD"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed confirm link: keep its token in the session and redirect to the token-less
    confirm page (see link_session.py for why)."""
    try:
        read_token(token, "confirm")  # genuine? Expiry is judged on the page, which can help.
    except BadToken:
        return broken_link(request)
    link_session.keep(request, "confirm", token)
    return redirect("subscriptions:confirm_page")


def _kept_reader(request: HttpRequest) -> tuple[str, Subscriber | None]:
    """The confirm token kept in the session and its reader; raises BadToken without one."""
    token = link_session.kept(request, "confirm")
    return token, _reader(read_token(token, "confirm", settings.CONFIRM_LINK_MAX_AGE))


@require_http_methods(["GET", "POST"])
def confirm_page(request: HttpRequest) -> HttpResponse:
    try:
        token, subscriber = _kept_reader(request)
    except ExpiredToken:
        return render(request, "subscriptions/confirm_expired.html", status=410)
    except BadToken:
        return broken_link(request)
    if subscriber is None:
        return unknown_reader(request)
    if request.method == "POST":
        if not _within_token_allowance("confirm", token):
            return too_many(request)
        actions.confirm(subscriber)
    if subscriber.status in actions.RECEIVING:
        context = {"subscriber": subscriber, "manage_url": links.manage_url(subscriber)}
        return render(request, "subscriptions/confirmed.html", context)
    if subscriber.status != Status.PENDING:  # unsubscribed or suppressed since the email left
        return render(request, "subscriptions/confirm_stale.html", status=410)
    context = {"subscriber": subscriber, "topics": subscriber.topics.all()}
    return render(request, "subscriptions/confirm.html", context)


@require_POST
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    """An expired confirm link's "send me a new one" button."""
    try:
        token = link_session.kept(request, "confirm")
        subscriber = _reader(read_token(token, "confirm"))
    except BadToken:
        return broken_link(request)
    if not _within_token_allowance("resend", token):
        return too_many(request)
    if subscriber is not None:
        actions.resend_confirmation(subscriber)
    return check_inbox(request, None)


@csrf_exempt  # RFC 8058: providers POST without cookies or a CSRF token. Nothing else is exempt.
@no_referrer
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        public_id = read_token(token, "unsubscribe")
    except BadToken:
        return broken_link(request)
    if request.method == "POST":
        if not _within_token_allowance("unsubscribe", token):
            return too_many(request)
        subscriber = _reader(public_id)
        if subscriber is not None:
            actions.unsubscribe(subscriber)
        # Also for a reader we no longer know: either way, no email will come.
        return render(request, "subscriptions/unsubscribed.html")
    # Only the button unsubscribes: a link scanner that runs JavaScript must not.
    return render(request, "subscriptions/unsubscribe.html")
