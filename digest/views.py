"""The "view in browser" page of a sent digest, reached through a signed link in the email.

A link in an email may do the one thing it was made for: a digest gets forwarded, and its view
link must not hand over the subscription. So the page shows the papers only: no address, no
manage or unsubscribe link, and it never mints a link. It offers to email a manage link to the
reader's own address instead (so does an expired link's page), as the "send me my link" form does.
"""

import uuid
from datetime import datetime

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from core import clock, ratelimit
from core.headers import shows_email
from core.responses import manage_link_sent, too_many
from core.tokens import BadToken, read_legacy_view_token, read_token_with_issue_time
from digest.building import recorded_picks
from digest.cards import short_date
from digest.emails import DigestRenderer, headline
from digest.models import Delivery
from digest.schedule import zone
from subscriptions import actions


def _sent_delivery(public_id: uuid.UUID) -> Delivery:
    try:
        return Delivery.objects.select_related("subscriber").get(
            public_id=public_id, status=Delivery.Status.SENT
        )
    except Delivery.DoesNotExist:
        raise Http404("No such digest.") from None


def _delivery_and_issue_time(token: str) -> tuple[Delivery, datetime]:
    """The sent digest a view token shows and when its link was issued; Http404 otherwise.

    A link from before view tokens had an issue time counts from when its digest was sent."""
    try:
        public_id, issued_at = read_token_with_issue_time(token, "view")
        return _sent_delivery(public_id), issued_at
    except BadToken:
        pass
    try:
        delivery = _sent_delivery(read_legacy_view_token(token))
    except BadToken:
        raise Http404("No such digest.") from None
    return delivery, delivery.sent_at or delivery.planned_at


def _private(response: HttpResponse) -> HttpResponse:
    """The token is the only key, so the page must not leak it, be indexed or be cached. Its own
    form posts with a real Origin (CSRF), which `no-referrer` would turn into `Origin: null`;
    `same-origin` still sends nothing to the sites the papers link to."""
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


def _page_context(delivery: Delivery, token: str) -> dict:
    picks = recorded_picks([delivery])[delivery.pk]
    day = delivery.planned_at.astimezone(zone(delivery.subscriber.time_zone))
    has_topics = any(pick.topics for pick in picks)
    return {
        "token": token,
        "headline": headline(len(picks), has_topics),
        "day": f"{day:%A} {short_date(day)}",
        # The email's own paper blocks, whose template escaped every value.
        "papers": mark_safe(DigestRenderer().papers_html(delivery, picks)),
        "site_name": settings.SITE_NAME,
        "postal_address": settings.POSTAL_ADDRESS,
    }


@shows_email
@require_http_methods(["GET", "HEAD"])
def view_digest(request: HttpRequest, token: str) -> HttpResponse:
    """The digest's papers for VIEW_LINK_MAX_AGE from the link's issue; then a 410 page."""
    delivery, issued_at = _delivery_and_issue_time(token)
    if clock.now() - issued_at > settings.VIEW_LINK_MAX_AGE:
        context = {"token": token, "view_days": settings.VIEW_LINK_MAX_AGE.days}
        return _private(render(request, "digest/view_expired.html", context, status=410))
    return _private(render(request, "digest/view.html", _page_context(delivery, token)))


@require_POST
def email_manage_link(request: HttpRequest, token: str) -> HttpResponse:
    """The page's "Email me a link to manage my subscription", for a live or an expired link:
    mails the reader the digest went to, never the visitor. Limited per IP and per address,
    as /manage/link/ is."""
    delivery, _issued_at = _delivery_and_issue_time(token)
    ip = ratelimit.client_ip(request.META, settings.NUM_PROXIES)
    if not ratelimit.hit("manage-link-ip", ip, settings.SUBSCRIBE_POSTS_PER_IP_PER_HOUR):
        return too_many(request)
    actions.send_manage_link(delivery.subscriber)
    return manage_link_sent(request, None)
