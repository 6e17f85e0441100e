"""Pages opened from links in emails. Each link carries a signed token (see core/tokens.py).

GET never changes anything: mail scanners open every link in a message. Only a POST (a button
the reader presses, or a mail provider's RFC 8058 one-click request) acts. POSTs are
rate-limited per token, not per IP: mail providers share a few sending addresses.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from core import ratelimit
from core.addresses import masked
from core.responses import broken_link, manage_link_sent, no_referrer, too_many, unknown_reader
from core.tokens import BadToken, ExpiredToken, read_token
from subscriptions import actions, link_session
from subscriptions.models import Subscriber
from subscriptions.pages import check_inbox, email_manage_link

Status = Subscriber.Status


def _reader_by_public_id(public_id: object) -> Subscriber | None:
    return Subscriber.objects.filter(public_id=public_id).first()


@no_referrer
@require_http_methods(["GET", "HEAD"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed confirm link: keep its token in the session and redirect to the token-less
    confirm page (see link_session.py for why)."""
    try:
        # Genuine? Expiry is judged on the page, which can help.
        reader = read_token(token, "confirm")
    except BadToken:
        return broken_link(request)
    link_session.keep(request, "confirm", token, reader)
    return redirect("subscriptions:confirm_page")


def _kept_reader(request: HttpRequest) -> tuple[str, Subscriber | None]:
    """The confirm token kept in the session and its reader; raises BadToken without one."""
    token = link_session.kept(request, "confirm")
    return token, _reader_by_public_id(read_token(token, "confirm", settings.CONFIRM_LINK_MAX_AGE))


@require_http_methods(["GET", "HEAD", "POST"])
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
        if not ratelimit.hit("confirm", token, settings.TOKEN_POSTS_PER_HOUR):
            return too_many(request)
        actions.confirm(subscriber)
    if subscriber.status in actions.RECEIVING:
        # A confirm link confirms; it never hands out a manage link (see confirm_manage_link).
        return render(request, "subscriptions/confirmed.html", {"subscriber": subscriber})
    if subscriber.status != Status.PENDING:  # unsubscribed or suppressed since the email left
        return render(request, "subscriptions/confirm_stale.html", status=410)
    context = {"subscriber": subscriber, "topics": subscriber.topics.all()}
    return render(request, "subscriptions/confirm.html", context)


@require_POST
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    """An expired confirm link's "send me a new one" button."""
    try:
        token = link_session.kept(request, "confirm")
        subscriber = _reader_by_public_id(read_token(token, "confirm"))
    except BadToken:
        return broken_link(request)
    if not ratelimit.hit("resend", token, settings.TOKEN_POSTS_PER_HOUR):
        return too_many(request)
    if subscriber is not None:
        actions.resend_confirmation(subscriber)
    return check_inbox(request, None)


@require_POST
def confirm_manage_link(request: HttpRequest) -> HttpResponse:
    """The confirmed page's "Email me a link to manage my subscription": mails the reader's own
    address, so a confirm link that travelled further than its inbox gains nothing."""
    try:
        token, subscriber = _kept_reader(request)
    except BadToken:
        return broken_link(request)
    if not ratelimit.hit("confirm-manage-link", token, settings.TOKEN_POSTS_PER_HOUR):
        return too_many(request)
    if subscriber is not None:
        actions.send_manage_link(subscriber)
    return manage_link_sent(request, None)


@csrf_exempt  # RFC 8058: providers POST without cookies or a CSRF token. Nothing else is exempt.
@no_referrer
@require_http_methods(["GET", "HEAD", "POST"])  # HEAD: link checkers; it answers as GET does
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        public_id = read_token(token, "unsubscribe")
    except BadToken:
        return broken_link(request)
    if request.method == "POST":
        # Fails open: an unsubscribe must work even while the cache is down.
        limit = settings.TOKEN_POSTS_PER_HOUR
        if not ratelimit.hit("unsubscribe", token, limit, fail_open=True):
            return too_many(request)
        subscriber = _reader_by_public_id(public_id)
        if subscriber is not None:
            actions.unsubscribe(subscriber)
        # Also for a reader we no longer know: either way, no email will come.
        return render(request, "subscriptions/unsubscribed.html")
    # Only the button unsubscribes: a link scanner that runs JavaScript must not.
    subscriber = _reader_by_public_id(public_id)
    context = {
        "address": masked(subscriber.email) if subscriber else None,
        # Pausing or weekly digests instead: only for a reader who still gets digests.
        "offer_manage": subscriber is not None and subscriber.status in actions.RECEIVING,
        "token": token,
    }
    return render(request, "subscriptions/unsubscribe.html", context)


# No CSRF token: the unsubscribe page sets no cookie (see above). CSRF guards what a browser's
# cookies allow, and this uses none: the signed token is the key, and the only thing it does is
# mail the reader's own address, as limited as /manage/link/.
@csrf_exempt
@no_referrer
@require_POST
def unsubscribe_manage_link(request: HttpRequest, token: str) -> HttpResponse:
    """The unsubscribe page's "Email me a link to manage my subscription" (to pause or get
    weekly digests instead). The unsubscribe link never expires, so it must not manage: it
    mails the reader a manage link, never shows one."""
    try:
        subscriber = _reader_by_public_id(read_token(token, "unsubscribe"))
    except BadToken:
        return broken_link(request)
    if subscriber is None:
        return manage_link_sent(request, None)
    return email_manage_link(request, subscriber)
