"""The flow of the public forms that email an address, and the page that answers them."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core import ratelimit
from core.responses import manage_link_sent, too_many
from subscriptions import actions
from subscriptions.forms import HoneypotForm
from subscriptions.models import Subscriber


def public_form_post(
    request: HttpRequest,
    scope: str,
    form: HoneypotForm,
    act: Callable[[dict[str, Any], str], object],
    show_again: Callable[[HoneypotForm], HttpResponse],
    done: Callable[[str], HttpResponse],
) -> HttpResponse:
    """The POST of a public form that emails an address (subscribe, "send me my link").

    Counted against the client IP's hourly allowance for `scope` (the too-many page once spent);
    an invalid
    form is `show_again`; a valid one runs `act(cleaned_data, client_ip)` unless a bot filled the
    honeypot. The answer is `done(email)` either way, so no one learns who subscribes.
    """
    ip = ratelimit.client_ip(request.META, settings.NUM_PROXIES)
    if not ratelimit.hit(scope, ip, settings.SUBSCRIBE_POSTS_PER_IP_PER_HOUR):
        return too_many(request)
    if not form.is_valid():
        return show_again(form)
    if not form.is_bot:
        act(form.cleaned_data, ip)
    return done(form.cleaned_data["email"])


def email_manage_link(request: HttpRequest, reader: Subscriber) -> HttpResponse:
    """A link page's "Email me a link to manage my subscription": mails the reader (never the
    visitor) a manage link, limited per client IP as /manage/link/ is, and per address by
    actions.send_manage_link. The page says the same whether or not one was sent."""
    ip = ratelimit.client_ip(request.META, settings.NUM_PROXIES)
    if not ratelimit.hit("manage-link-ip", ip, settings.SUBSCRIBE_POSTS_PER_IP_PER_HOUR):
        return too_many(request)
    actions.send_manage_link(reader)
    return manage_link_sent(request, None)


def check_inbox(request: HttpRequest, email: str | None) -> HttpResponse:
    hours = settings.CONFIRM_LINK_MAX_AGE // timedelta(hours=1)
    context = {"email": email, "confirm_hours": hours}
    return render(request, "subscriptions/check_inbox.html", context)
