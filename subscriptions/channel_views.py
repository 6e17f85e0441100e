"""The manage page's team channels: add or edit one (their own page), send a test post, pause,
resume and remove. Every change is a POST with CSRF from a browser holding a manage link,
counted per link (manage_views.with_reader); a test post is also counted per channel, since
each one posts to a team's channel."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core import ratelimit
from digest import actions
from digest.models import Channel
from subscriptions.channel_forms import ChannelForm, EditChannelForm
from subscriptions.manage_views import with_reader
from subscriptions.models import Subscriber

TEST_POSTS_PER_HOUR = 5  # per channel: enough to fix a setup, too few to spam a team


def _back(request: HttpRequest, message: str, error: bool = False) -> HttpResponse:
    messages.add_message(request, messages.ERROR if error else messages.SUCCESS, message)
    return redirect(f"{reverse('subscriptions:manage_page')}#channels")


@require_http_methods(["GET", "HEAD", "POST"])
@with_reader
def new_channel(request: HttpRequest, subscriber: Subscriber) -> HttpResponse:
    """The add-a-channel page; its form posts here, and comes back with its errors if any."""
    if request.method != "POST":
        initial = {"time_zone": subscriber.time_zone, "delivery_hour": 9, "frequency": "daily"}
        form = ChannelForm(initial=initial)
    else:
        form = ChannelForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                channel = actions.add_channel(subscriber, data.pop("url"), **data)
            except ValueError as error:
                form.add_error(None, str(error))
            else:
                return _back(request, f"Channel “{channel.name}” added. Send it a test post.")
    return _form_page(request, form)


def _form_page(
    request: HttpRequest, form: ChannelForm, channel: Channel | None = None
) -> HttpResponse:
    status = 400 if form.is_bound else 200
    context = {"form": form, "channel": channel}
    return render(request, "subscriptions/channel_form.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@with_reader
def edit_channel(request: HttpRequest, subscriber: Subscriber, pk: int) -> HttpResponse:
    """The page that edits one of the reader's channels; its form posts here."""
    channel = get_object_or_404(Channel, pk=pk, owner=subscriber)
    if request.method != "POST":
        return _form_page(request, EditChannelForm(instance=channel), channel)
    # The form writes into its instance as it checks: the page keeps showing the saved name.
    form = EditChannelForm(request.POST, instance=Channel.objects.get(pk=pk))
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            actions.edit_channel(channel, data.pop("url"), **data)
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            return _back(request, f"Channel “{channel.name}” saved.")
    return _form_page(request, form, channel)


@require_POST
@with_reader
def change_channel(request: HttpRequest, subscriber: Subscriber, pk: int) -> HttpResponse:
    """Send a test post, pause, resume or remove one of the reader's channels."""
    channel = get_object_or_404(Channel, pk=pk, owner=subscriber)
    action = request.POST.get("action")
    if action == "test":
        if not ratelimit.hit("channel-test", str(channel.pk), TEST_POSTS_PER_HOUR):
            return _back(request, "Enough test posts for now: try again in an hour.", error=True)
        problem = actions.send_test_post(channel)
        if problem:
            return _back(request, f"The test post did not go through. {problem}", error=True)
        return _back(request, f"Test post sent: have a look in “{channel.name}”.")
    if action in ("pause", "resume"):
        actions.set_channel_paused(channel, action == "pause")
        return _back(request, f"Channel “{channel.name}” {action}d.")
    if action == "remove":
        actions.remove_channel(channel)
        return _back(request, f"Channel “{channel.name}” removed.")
    return _back(request, "Nothing changed.")
