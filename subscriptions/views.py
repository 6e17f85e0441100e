"""The public front page and the subscribe form."""

from datetime import timedelta

from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core import clock
from digest.models import Paper
from subscriptions import actions
from subscriptions.forms import SubscribeForm
from subscriptions.pages import check_inbox, public_form_post

TRENDING_ON_HOME = 20


def todays_trending(limit: int = TRENDING_ON_HOME) -> QuerySet[Paper]:
    """Papers first seen in the last day, most upvoted first, newest first among equals."""
    since = clock.now() - timedelta(days=1)
    return Paper.objects.filter(first_seen_at__gte=since).order_by(
        F("upvotes").desc(nulls_last=True),
        F("published_at").desc(nulls_last=True),
        "-first_seen_at",
    )[:limit]


def _home(request: HttpRequest, form: SubscribeForm, status: int = 200) -> HttpResponse:
    context = {"form": form, "papers": todays_trending()}
    return render(request, "subscriptions/home.html", context, status=status)


@require_http_methods(["GET", "HEAD"])
def home(request: HttpRequest) -> HttpResponse:
    return _home(request, SubscribeForm())


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return redirect("subscriptions:home")
    user_agent = request.headers.get("User-Agent", "")
    return public_form_post(
        request,
        "subscribe-ip",
        SubscribeForm(request.POST),
        act=lambda data, ip: actions.subscribe(
            data["email"], data["topics"], data["frequency"], ip, user_agent, data["time_zone"]
        ),
        show_again=lambda form: _home(request, form, status=400),
        done=lambda email: check_inbox(request, email),
    )
