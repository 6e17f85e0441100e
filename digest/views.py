"""The "view in browser" page of a sent digest, reached through a signed link in the email."""

import uuid
from datetime import datetime

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from core import clock
from core.tokens import BadToken, read_legacy_view_token, read_token_with_issue_time
from digest.building import recorded_picks
from digest.emails import DigestRenderer
from digest.models import Delivery


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
    return delivery, delivery.sent_at or clock.now()


@require_GET
def view_digest(request: HttpRequest, token: str) -> HttpResponse:
    """The same HTML as the email. The token is the only key, so it must not leak or be indexed."""
    delivery, issued_at = _delivery_and_issue_time(token)
    if clock.now() - issued_at > settings.VIEW_LINK_MAX_AGE:
        raise Http404("This link has expired.")
    html = DigestRenderer().html(delivery, recorded_picks([delivery])[delivery.pk])
    response = HttpResponse(html)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response
