"""Team channels: plan, build and send each channel's posts, by the digests' rules.

A post is planned once per channel and period (the unique pair, as for digests), on the
channel's own schedule; its papers are chosen from those first seen since its previous post,
matching its topics, never one the channel was sent before (ChannelPaper), and written down
before anything is sent. Sending claims, leases, retries and sweeps exactly as digests do
(sending.py's claim, release, retry_plan and hand_back, failures.py's verdicts): a 429 or a
5xx hands the post back for later, after the service's Retry-After when it gives one.

A post too big for one request goes as several parts (chat_formats.py). Each part the service
accepts is recorded on the row at once (`parts_sent`), so a retry or a sweep sends only the parts
still due, and a worker killed mid-post repeats at most the part it was handing over. The sender
waits CHANNEL_PART_GAP between parts, as the services allow a webhook about a request a second:
a short wait in the worker (as sendrate.py's cap for emails), rather than queueing the next part
through the retry path, so `manage.py send_digests` without a broker paces and finishes a post.
"""

import http.client
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef

from core import clock
from digest import channel_urls
from digest.building import Window
from digest.chat_formats import FORMATS, Item
from digest.failures import Verdict, http_verdict
from digest.fetching import FetchError, Posted, post_json
from digest.models import Channel, ChannelPaper, ChannelPost, Paper
from digest.planning import due_window, with_last_send
from digest.sending import Outcome, claim, hand_back, release, renew_lease, retry_plan
from subscriptions.models import RECEIVING, TopicFilter

logger = logging.getLogger(__name__)
Status = ChannelPost.Status
# What the services answer for a webhook deleted, or a channel archived (Slack's 403
# invalid_token and 410 channel_is_archived, Discord's and Teams' 404).
GONE = {401, 403, 404, 410}
Sleep = Callable[[float], None]


# --- plan ----------------------------------------------------------------------------------------


def _channels_with_their_last_post() -> Iterator[Channel]:
    channels = Channel.objects.filter(paused=False, owner__status__in=RECEIVING)
    posts = ChannelPost.objects.filter(channel=OuterRef("pk"))
    return with_last_send(channels, posts).order_by("id").iterator(chunk_size=2000)


@dataclass(frozen=True)
class Due:
    """A channel due a post: for which period, and from when its papers are chosen."""

    channel: Channel
    period: str
    window_start: datetime


def due_channels(now: datetime, force: bool = False) -> Iterator[Due]:
    """The channels due a post at `now` (every channel not posted to this period, with `force`)."""
    for channel in _channels_with_their_last_post():
        window = due_window(now, channel, channel.created_at, force)
        if window is not None:
            yield Due(channel, *window)


def plan_posts(now: datetime, force: bool = False) -> list[int]:
    """Create the posts due at `now` (every channel's with `force`, once per period) and return
    the ids of those this call created."""
    batch = uuid.uuid4()
    rows = [
        ChannelPost(
            channel=due.channel,
            period=due.period,
            batch=batch,
            window_start=due.window_start,
            window_end=now,
            planned_at=now,
            due_at=now,
        )
        for due in due_channels(now, force)
    ]
    ChannelPost.objects.bulk_create(rows, ignore_conflicts=True)
    return list(ChannelPost.objects.filter(batch=batch).order_by("id").values_list("id", flat=True))


# --- build ---------------------------------------------------------------------------------------


def choose(channel: Channel, window: Window) -> dict[int, list[str]]:
    """The papers of `window` the channel's next post holds, best first, each with the topic
    queries it matched: those matching any topic (any, without topics) it never had, at most
    its papers per post. Writes nothing."""
    # Unsaved topics: the matcher wants a topic's query, minimum upvotes and a key.
    topics = [TopicFilter(pk=n, name=query, query=query) for n, query in enumerate(channel.topics)]
    matches = window.match(topics)
    candidates = set().union(*matches.values()) if topics else set(window.papers)
    posted = ChannelPaper.objects.filter(channel=channel, paper__in=candidates)
    fresh = candidates - set(posted.values_list("paper_id", flat=True))
    chosen = sorted(fresh, key=window.position.__getitem__)[: channel.papers_per_post]
    return {pk: [topic.query for topic in topics if pk in matches[topic.pk]] for pk in chosen}


def build(post: ChannelPost, now: datetime) -> None:
    """Choose and record the papers of a claimed post not built yet; skip it when none is new."""
    if post.built_at is not None:  # a retry: it keeps the papers recorded then
        return
    chosen = choose(post.channel, Window(post.window_start, post.window_end))
    rows = [
        ChannelPaper(channel=post.channel, paper_id=pk, post=post, position=position, topics=topics)
        for position, (pk, topics) in enumerate(chosen.items())
    ]
    with transaction.atomic():
        ChannelPaper.objects.bulk_create(rows)
        ChannelPost.objects.filter(pk=post.pk).update(built_at=now)
        if not rows:
            _settle(post.pk, Status.SKIPPED, ChannelPost.NOTHING_NEW)


def item(paper: Paper, topics: Sequence[str] = ()) -> Item:
    return Item(
        title=paper.title,
        url=paper.abs_url or paper.pdf_url,
        authors=tuple(paper.authors),
        abstract=paper.abstract,
        topics=tuple(topics),
        arxiv_id=paper.arxiv_id or "",
    )


def heading(channel: Channel) -> str:
    return f"New papers for {channel.name}"


def parts_of(post: ChannelPost) -> list[dict]:
    """The post's messages, from its recorded papers: the same parts on every try."""
    rows = post.items.select_related("paper").order_by("position")
    items = [item(row.paper, row.topics) for row in rows]
    return FORMATS[post.channel.kind].parts(heading(post.channel), items)


# --- send ----------------------------------------------------------------------------------------


def _settle(post_id: int, status: str, reason: str) -> None:
    ChannelPost.objects.filter(pk=post_id).update(status=status, reason=reason)


def fail(post_id: int, reason: str, attempts: int) -> None:
    """Fail a post for good. Its papers are released for a later post unless a part of it
    already reached the channel (they may have been in it)."""
    with transaction.atomic():
        ChannelPaper.objects.filter(post_id=post_id, post__parts_sent=0).delete()
        ChannelPost.objects.filter(pk=post_id).update(
            status=Status.FAILED, reason=reason, attempts=attempts
        )


def _record_part(post: ChannelPost, sent: int, total: int, now: datetime) -> None:
    """The service accepted part number `sent` of `total`; the last one makes the post sent."""
    changes: dict[str, object] = {"parts_sent": sent, "attempts": 0, "reason": ""}
    if sent == total:
        changes.update(status=Status.SENT, sent_at=now)
    ChannelPost.objects.filter(pk=post.pk).update(**changes)
    post.parts_sent, post.attempts = sent, 0


def deliver(url: str, message: dict, now: datetime) -> tuple[Verdict, str] | None:
    """POST one message; None when the service accepted it, else its verdict and the reason."""
    try:
        answer = post_json(url, json.dumps(message).encode(), settings.SEND_TIMEOUT)
    except FetchError as error:  # the address is refused: trying again changes nothing
        return Verdict(transient=False), f"The address was refused: {error}"
    except (OSError, http.client.HTTPException) as error:
        problem = str(error) or type(error).__name__
        return Verdict(transient=True), f"No answer from the service: {problem}"[:500]
    if 200 <= answer.status < 300:
        return None
    answered = f"{answer.status}: {answer.text[:300]}"
    if answer.status not in GONE:
        return _verdict(answer, now), f"The service answered {answered}"
    reason = f"The service no longer takes this webhook address (it answered {answered})."
    return _verdict(answer, now), f"{reason} Edit the channel to give it a new one."


def _verdict(answer: Posted, now: datetime) -> Verdict:
    """As for any HTTP error; Discord may say how long to wait in its JSON body instead."""
    verdict = http_verdict(answer.status, answer.headers.get("retry-after"), now)
    if verdict.throttled and verdict.retry_after is None:
        try:
            asked = json.loads(answer.text).get("retry_after")
        except (ValueError, AttributeError):
            asked = None
        if isinstance(asked, int | float) and asked >= 0:
            verdict = replace(verdict, retry_after=float(asked))
    return verdict


def _send(post: ChannelPost, now: datetime, outcome: Outcome, sleep: Sleep) -> None:
    channel = post.channel
    if channel.paused or channel.owner.status not in RECEIVING:
        _settle(post.pk, Status.SKIPPED, "The channel was paused, or its owner left.")
        outcome.skipped.append(post.pk)
        return
    build(post, now)
    parts = parts_of(post)
    if not parts:
        outcome.skipped.append(post.pk)
        return
    try:
        url = channel_urls.decrypt(channel.url_encrypted)
    except channel_urls.BadWebhookURL as error:
        fail(post.pk, str(error), post.attempts)
        outcome.failed.append(post.pk)
        return
    first = post.parts_sent
    for number in range(first, len(parts)):
        if number > first:  # a part went just now: give the webhook its breath
            sleep(settings.CHANNEL_PART_GAP)
            now = clock.now()
        failure = deliver(url, parts[number], now)
        if failure is not None:
            _failed(post, *failure, now, outcome)
            return
        _record_part(post, number + 1, len(parts), now)
    outcome.sent.append(post.pk)


def _failed(
    post: ChannelPost, verdict: Verdict, reason: str, now: datetime, outcome: Outcome
) -> None:
    logger.warning("channel post %s: %s", post.pk, reason)
    attempts = post.attempts + 1
    delay, reason = retry_plan(verdict, attempts, reason)
    if delay is None:
        fail(post.pk, reason, attempts)
        outcome.failed.append(post.pk)
        return
    release(post.pk, attempts, now + timedelta(seconds=delay), reason, ChannelPost)
    outcome.retry.setdefault(delay, []).append(post.pk)


def send_posts(post_ids: Sequence[int], sleep: Sleep = time.sleep) -> Outcome:
    """Claim, build and send these posts in order; posts claimed elsewhere are left alone.
    `sleep` waits between the parts of a post (tests pass one that moves the clock)."""
    claimed = clock.now()
    ids = claim(post_ids, claimed, ChannelPost)
    posts = list(
        ChannelPost.objects.filter(pk__in=ids).select_related("channel__owner").order_by("pk")
    )
    outcome, renewed, held = Outcome(), claimed, set(ids)
    for position, post in enumerate(posts):
        now = clock.now()
        if now - renewed > settings.SEND_LEASE / 4:  # as for digests: a quarter lease
            rest = [p.pk for p in posts[position:] if p.pk in held]
            held, renewed = renew_lease(rest, renewed, now, ChannelPost), now
        if post.pk in held:  # else handed back by the sweeper: its next claimer sends it
            _send(post, now, outcome, sleep)
    return outcome


def sweep_posts(now: datetime) -> list[int]:
    """Hand back posts whose sender went quiet, as digests are (sending.hand_back)."""
    return hand_back(ChannelPost, now, fail)


def send_test_post(channel: Channel) -> str | None:
    """Post one test message to the channel now; None when the service took it, else why not."""
    sample = Item(
        title="Test post from papers-digest",
        url=settings.SITE_URL,
        abstract="If you can read this, the channel is ready: papers come here on its schedule.",
    )
    message = FORMATS[channel.kind].parts(heading(channel), [sample])[0]
    try:
        url = channel_urls.decrypt(channel.url_encrypted)
    except channel_urls.BadWebhookURL as error:
        return str(error)
    failure = deliver(url, message, clock.now())
    return None if failure is None else failure[1]
