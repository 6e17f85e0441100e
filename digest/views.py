"""The "view in browser" page of a sent digest, reached through a signed link in the email."""

import uuid

from django.core.signing import BadSignature, Signer
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from core.headers import shows_email
from digest.building import recorded_picks
from digest.emails import VIEW_SALT, DigestRenderer
from digest.models import Delivery


@shows_email
@require_GET
def view_digest(request: HttpRequest, token: str) -> HttpResponse:
    """The same HTML as the email. The token is the only key, so it must not leak or be indexed."""
    try:
        public_id = uuid.UUID(hex=Signer(salt=VIEW_SALT).unsign(token))
    except (BadSignature, ValueError):
        raise Http404("No such digest.") from None
    delivery = get_object_or_404(
        Delivery.objects.select_related("subscriber"),
        public_id=public_id,
        status=Delivery.Status.SENT,
    )
    html = DigestRenderer().html(delivery, recorded_picks([delivery])[delivery.pk])
    response = HttpResponse(html)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response
