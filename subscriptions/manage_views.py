"""The manage page: a reader changes topics and schedule, pauses, exports or deletes, with no
password. The emailed link (valid MANAGE_LINK_MAX_AGE) is the key.

Opening the link keeps its token in the session and redirects to the token-less /manage/ (see
link_session.py); every page and form below reads the token from there. GET never changes
anything; every change is a POST with CSRF, counted per link (MANAGE_POSTS_PER_HOUR), and
answered with a redirect back to the page, so reloading never repeats it.
"""

import calendar
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import clock, links, ratelimit
from core.responses import broken_link, manage_link_sent, no_referrer, too_many, unknown_reader
from core.tokens import BadToken, ExpiredToken, read_token
from subscriptions import actions, exporting, link_session
from subscriptions.archive import archive
from subscriptions.channel_log import channels_with_recent_posts
from subscriptions.feed_views import feed_url
from subscriptions.manage_forms import (
    DeleteForm,
    EditTopicForm,
    RequestLinkForm,
    ScheduleForm,
    TopicForm,
    check_room_for_topic,
)
from subscriptions.models import ARCHIVE_DAYS, Subscriber, TopicFilter
from subscriptions.pages import public_form_post
from subscriptions.preview import Preview, matching, preview

PURPOSE = "manage"
NEW = "new"  # the add-topic form's prefix; edit forms use "topic-<id>"
MAX_VOTES_SHOWN = 200  # the newest; the export has them all
# The sections that show their own notices (so do topics, "topic-<id>"); a notice for any other
# anchor shows at the top of the page.
SECTIONS = ("pause", "topics", "taste", "feed", "schedule", "data")

ReaderView = Callable[..., HttpResponse]


@no_referrer
@require_http_methods(["GET", "HEAD"])
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: keep its token in the session, then show the page without it."""
    try:
        # Genuine? Expiry is judged on the page, which can help.
        reader = read_token(token, PURPOSE)
    except BadToken:
        return broken_link(request)
    link_session.keep(request, PURPOSE, token, reader)
    return redirect("subscriptions:manage_page")


def with_reader(view: ReaderView) -> ReaderView:
    """Run `view(request, subscriber, ...)` for the reader whose manage link this browser
    opened; refuse expired, broken and over-used links, and browsers that opened none."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            token = link_session.kept(request, PURPOSE)
            public_id = read_token(token, PURPOSE, settings.MANAGE_LINK_MAX_AGE)
        except ExpiredToken:
            return render(request, "subscriptions/manage_expired.html", status=410)
        except BadToken:
            return broken_link(request)
        subscriber = Subscriber.objects.filter(public_id=public_id).first()
        if subscriber is None:
            return unknown_reader(request)
        # Counted per link, like the other emailed links' pages (see link_views.py).
        limit = settings.MANAGE_POSTS_PER_HOUR
        if request.method == "POST" and not ratelimit.hit("manage", token, limit):
            return too_many(request)
        return view(request, subscriber, *args, **kwargs)

    return wrapper


def _back(request: HttpRequest, message: str, anchor: str) -> HttpResponse:
    """Back to the page at `anchor`, where the notice shows next to what changed."""
    messages.success(request, message, extra_tags=anchor)
    return redirect(f"{reverse('subscriptions:manage_page')}#{anchor}")


# --- the page ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicCard:
    """A topic as the page shows it: its name and query with what it matched this week, and
    its edit form, open when it is the one being previewed or shown back with errors."""

    topic: TopicFilter
    form: Form
    matched: int | None
    editing: bool


@dataclass(frozen=True)
class Problem:
    """One line of the summary at the top of a page shown back with errors."""

    label: str
    message: str
    field_id: str


def _topic_cards(subscriber: Subscriber, bound: Form | None) -> list[TopicCard]:
    topics = list(subscriber.topics.all())
    counts = matching([(topic.query, topic.min_upvotes) for topic in topics])
    cards = []
    for topic, matched in zip(topics, counts, strict=True):
        prefix = f"topic-{topic.pk}"
        form = bound if bound is not None and bound.prefix == prefix else None
        if form is None:
            initial = {f: getattr(topic, f) for f in ("name", "query", "min_upvotes", "enabled")}
            form = EditTopicForm(prefix=prefix, initial=initial)
        cards.append(TopicCard(topic, form, matched, editing=form is bound))
    return cards


def _others(subscriber: Subscriber, but: TopicFilter | None = None) -> list[TopicFilter]:
    """The reader's topics a new or changed one must not repeat."""
    return list(subscriber.topics.exclude(pk=getattr(but, "pk", None)))


def _problems(form: Form | None) -> list[Problem]:
    """Each error of a form shown back, with the field it belongs to (the first field when it
    belongs to the whole form)."""
    if form is None or not form.is_bound or form.is_valid():
        return []
    first = next(iter(form))
    problems = []
    for name, errors in form.errors.items():
        field = form[name] if name in form.fields else first
        problems += [Problem(field.label, error, field.id_for_label) for error in errors]
    return problems


def _notices(request: HttpRequest) -> tuple[list, list]:
    """This request's notices: those a section shows next to itself, and the rest."""
    placed, top = [], []
    for message in messages.get_messages(request):
        tag = message.extra_tags or ""
        in_place = tag in SECTIONS or tag.startswith("topic-")
        (placed if in_place else top).append(message)
    return placed, top


def _page(
    request: HttpRequest,
    subscriber: Subscriber,
    bound: Form | None = None,
    status: int = 200,
    shown: Preview | None = None,
) -> HttpResponse:
    """The whole page; `bound` is the one form being previewed or shown back with errors."""
    forms = {
        NEW: TopicForm(prefix=NEW),
        "schedule": ScheduleForm(prefix="schedule", instance=subscriber),
        "delete": DeleteForm(prefix="delete"),
    }
    prefix = getattr(bound, "prefix", None)
    if prefix in forms:
        forms[prefix] = bound
    notices, top_notices = _notices(request)
    context = {
        "subscriber": subscriber,
        "topic_cards": _topic_cards(subscriber, bound),
        "add_form": forms[NEW],
        "schedule_form": forms["schedule"],
        "delete_form": forms["delete"],
        "problems": _problems(bound),
        "notices": notices,
        "top_notices": top_notices,
        "preview": shown,
        "previewed": prefix if shown else None,
        "weekday": calendar.day_name[subscriber.weekday],
        "unsubscribe_url": links.unsubscribe_url(subscriber),
        "feed_url": feed_url(subscriber),
        "votes": subscriber.votes.select_related("paper")[:MAX_VOTES_SHOWN],
        "mutes": subscriber.mutes.all(),
        "archive": archive(subscriber),
        "channels": channels_with_recent_posts(subscriber),
        "archive_days": ARCHIVE_DAYS,
    }
    return render(request, "subscriptions/manage.html", context, status=status)


@require_http_methods(["GET", "HEAD"])
def manage_page(request: HttpRequest) -> HttpResponse:
    """The page; a browser that never opened a manage link gets the form to email one."""
    try:
        link_session.kept(request, PURPOSE)
    except BadToken:
        return _ask_for_link(request)
    return _show_page(request)


@with_reader
def _show_page(request: HttpRequest, subscriber: Subscriber) -> HttpResponse:
    return _page(request, subscriber)


def _preview_of(form: TopicForm) -> Preview | None:
    """The preview of a bound topic form's query; None while the query is empty."""
    form.is_valid()
    query = form.data.get(form.add_prefix("query"), "").strip()
    if not query:
        return None
    if form.query_error is not None:
        return Preview(query, 0, [], form.query_error)
    return preview(query, form.cleaned_data.get("min_upvotes", 0))


@require_GET
@with_reader
def preview_fragment(request: HttpRequest, subscriber: Subscriber) -> HttpResponse:
    """The live preview as the reader types (static/js/manage.js): an HTML fragment. Counted
    per reader, not per link: each email brings a new link, and with it a new allowance."""
    if not ratelimit.hit("preview", str(subscriber.public_id), settings.PREVIEWS_PER_HOUR):
        return too_many(request)
    shown = _preview_of(TopicForm(request.GET))
    return render(request, "subscriptions/manage_preview.html", {"preview": shown})


# --- changes --------------------------------------------------------------------------------------


@require_POST
@with_reader
def add_topic(request: HttpRequest, subscriber: Subscriber) -> HttpResponse:
    form = TopicForm(request.POST, prefix=NEW, others=_others(subscriber))
    if request.POST.get("action") == "preview":  # the Preview button, when JavaScript is off
        return _page(request, subscriber, form, shown=_preview_of(form))
    if form.is_valid():
        try:
            check_room_for_topic(subscriber.topics.count())
        except ValidationError as error:
            form.add_error(None, error)
    if not form.is_valid():
        return _page(request, subscriber, form, status=400, shown=_preview_of(form))
    data = form.cleaned_data
    actions.add_topics(subscriber, [(data["name"], data["query"], data["min_upvotes"])])
    return _back(request, f"Topic “{data['name']}” added.", "topics")


@require_POST
@with_reader
def change_topic(request: HttpRequest, subscriber: Subscriber, pk: int) -> HttpResponse:
    """Save, preview, move up or down, or remove one topic, by the button pressed."""
    topic = get_object_or_404(TopicFilter, pk=pk, subscriber=subscriber)
    action = request.POST.get("action", "save")
    if action in ("up", "down"):
        actions.move_topic(topic, -1 if action == "up" else 1)
        return _back(request, f"Topic “{topic.name}” moved {action}.", f"topic-{pk}")
    if action == "remove":
        actions.remove_topic(topic)
        return _back(request, f"Topic “{topic.name}” removed.", "topics")
    form = EditTopicForm(request.POST, prefix=f"topic-{pk}", others=_others(subscriber, topic))
    if action == "preview":  # the Preview button, when JavaScript is off
        return _page(request, subscriber, form, shown=_preview_of(form))
    if not form.is_valid():
        return _page(request, subscriber, form, status=400, shown=_preview_of(form))
    actions.update_topic(topic, **form.cleaned_data)
    return _back(request, f"Topic “{topic.name}” saved.", f"topic-{pk}")


@require_POST
@with_reader
def change_schedule(request: HttpRequest, subscriber: Subscriber) -> HttpResponse:
    form = ScheduleForm(
        request.POST, prefix="schedule", instance=Subscriber.objects.get(pk=subscriber.pk)
    )
    if not form.is_valid():
        return _page(request, subscriber, form, status=400)
    actions.update_schedule(subscriber, **form.cleaned_data)
    return _back(request, "Schedule saved.", "schedule")


@require_POST
@with_reader
def pause(request: HttpRequest, subscriber: Subscriber) -> HttpResponse:
    actions.pause(subscriber)
    return _back(request, "Paused: no digests until you resume.", "pause")


@require_POST
@with_reader
def resume(request: HttpRequest, subscriber: Subscriber) -> HttpResponse:
    actions.resume(subscriber)
    return _back(request, "Resumed: your next digest comes at its usual time.", "pause")


@require_POST
@with_reader
def change_feed(request: HttpRequest, subscriber: Subscriber) -> HttpResponse:
    """A new feed URL, or feed only on or off, by the button pressed."""
    action = request.POST.get("action")
    if action == "regenerate":
        actions.regenerate_feed_key(subscriber)
        return _back(request, "Your feed has a new address; the old one no longer works.", "feed")
    if action in ("feed-only", "email"):
        actions.set_feed_only(subscriber, action == "feed-only")
        done = "No more emails: your digests go to your feed only."
        return _back(request, done if action == "feed-only" else "Digests by email again.", "feed")
    return _back(request, "Nothing changed.", "feed")


@require_POST
@with_reader
def export(request: HttpRequest, subscriber: Subscriber) -> HttpResponse:
    """Everything stored about the reader, as a JSON download."""
    data = exporting.reader_data(subscriber)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    day = clock.now().date().isoformat()
    response["Content-Disposition"] = f'attachment; filename="papers-digest-data-{day}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@with_reader
def delete(request: HttpRequest, subscriber: Subscriber) -> HttpResponse:
    form = DeleteForm(request.POST, prefix="delete")
    if not form.is_valid():
        return _page(request, subscriber, form, status=400)
    actions.delete_reader(subscriber)  # which ends the reader's sessions, this one too
    link_session.end(request)
    return render(request, "subscriptions/deleted.html")


# --- asking for a link ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def request_link(request: HttpRequest) -> HttpResponse:
    """The "send me my link" form. The same answer whatever the address, so no one learns who
    subscribes; limited per client IP and, through actions, per address."""
    if request.method != "POST":
        return _ask_for_link(request)
    return public_form_post(
        request,
        "manage-link-ip",
        RequestLinkForm(request.POST),
        act=lambda data, _ip: actions.request_manage_link(data["email"]),
        show_again=lambda form: _ask_for_link(request, form, status=400),
        done=lambda email: manage_link_sent(request, email),
    )


def _ask_for_link(
    request: HttpRequest, form: RequestLinkForm | None = None, status: int = 200
) -> HttpResponse:
    context = {"form": form or RequestLinkForm()}
    return render(request, "subscriptions/manage_request.html", context, status=status)


@require_POST
def resend_link(request: HttpRequest) -> HttpResponse:
    """An expired manage link's "email me a new one" button."""
    try:
        token = link_session.kept(request, PURPOSE)
        public_id = read_token(token, PURPOSE)
    except BadToken:
        return broken_link(request)
    if not ratelimit.hit("manage-resend", token, settings.MANAGE_POSTS_PER_HOUR):
        return too_many(request)
    subscriber = Subscriber.objects.filter(public_id=public_id).first()
    if subscriber is not None:
        actions.send_manage_link(subscriber)
    return manage_link_sent(request, None)
