"""The manage page's team channels, each with its last few posts: the day, how many papers, and
whether it went out (sent, nothing new, or failed and why), so a reader sees that it works."""

from dataclasses import dataclass
from datetime import date, tzinfo

from django.db.models import Count, Prefetch

from digest.models import Channel, ChannelPost
from subscriptions.archive import local_zone
from subscriptions.models import Subscriber

RECENT_POSTS = 5
Status = ChannelPost.Status


@dataclass(frozen=True)
class PostLine:
    day: date  # in the channel's time zone
    what: str


def _what(post: ChannelPost) -> str:
    papers = f"{post.papers} paper{'' if post.papers == 1 else 's'}"
    if post.status == Status.SENT:
        return f"Sent, {papers}"
    if post.status == Status.SKIPPED:
        if post.reason == ChannelPost.NOTHING_NEW:
            return "Nothing new, no post"
        return "Not sent: the channel was paused"
    if post.status == Status.FAILED:
        return f"Failed: {post.reason}"
    return f"Trying again soon: {post.reason}" if post.reason else f"On its way, {papers}"


def channels_with_recent_posts(subscriber: Subscriber) -> list[tuple[Channel, list[PostLine]]]:
    """The reader's channels, each with its last RECENT_POSTS posts, newest first (two queries)."""
    posts = ChannelPost.objects.annotate(papers=Count("items")).order_by("-planned_at")
    recent = Prefetch("posts", queryset=posts[:RECENT_POSTS], to_attr="recent")
    channels = subscriber.channels.prefetch_related(recent)
    return [
        (channel, [_line(post, local_zone(channel.time_zone)) for post in channel.recent])
        for channel in channels
    ]


def _line(post: ChannelPost, local: tzinfo) -> PostLine:
    return PostLine(post.planned_at.astimezone(local).date(), _what(post))
