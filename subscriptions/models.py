import uuid

from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        ACTIVE = "active"
        PAUSED = "paused"
        UNSUBSCRIBED = "unsubscribed"
        BOUNCED = "bounced"
        COMPLAINED = "complained"

    class Frequency(models.TextChoices):
        DAILY = "daily"
        WEEKLY = "weekly"

    email = models.EmailField(max_length=254)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The secret in the reader's private feed URL (feed_views.py); a new one kills the old URL.
    feed_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Digests are still built for the feed (and the archive), but no email goes out.
    feed_only = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.DAILY)
    weekday = models.PositiveSmallIntegerField(default=0, help_text="0 is Monday")
    delivery_hour = models.PositiveSmallIntegerField(default=8)
    time_zone = models.CharField(max_length=64, default="UTC")
    max_papers = models.PositiveSmallIntegerField(default=10)
    consent_asked_at = models.DateTimeField(null=True, blank=True)
    consent_confirmed_at = models.DateTimeField(null=True, blank=True)
    consent_ip = models.GenericIPAddressField(null=True, blank=True)
    consent_user_agent = models.CharField(max_length=500, blank=True)
    consent_wording = models.CharField(max_length=20, blank=True)
    # Soft bounces (a full mailbox) in a row, and the last one's time: see actions.soft_bounce.
    soft_bounces = models.PositiveSmallIntegerField(default=0)
    soft_bounced_at = models.DateTimeField(null=True, blank=True)
    # "Trending <-> mine" set by the reader (0: trending only, 1: their learned taste only);
    # None lets the number of votes decide (see digest/topics/learning.py).
    taste_weight = models.FloatField(null=True, blank=True)
    # When the reader last started receiving (confirmed or resumed): their next digest keeps to
    # their schedule from then on (digest/schedule.py). Null: since before this was recorded.
    receiving_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="unique_subscriber_email_ci"),
        ]

    def __str__(self) -> str:
        return self.email


# The states of a reader who gets digests (paused ones will again): what every caller means by
# "subscribed".
RECEIVING = (Subscriber.Status.ACTIVE, Subscriber.Status.PAUSED)


class Pause(models.Model):
    """A time the reader paused their digests, so their archive can say why none came. Only
    the last ARCHIVE_DAYS are kept (see actions.pause)."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)  # null: still paused

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"paused from {self.started_at:%Y-%m-%d}"


# How far back the manage page's archive reaches, and how long pauses are kept for it.
ARCHIVE_DAYS = 90


class TopicFilter(models.Model):
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="topics")
    name = models.CharField(max_length=200)
    query = models.CharField(max_length=500)
    min_upvotes = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Vote(models.Model):
    """A reader's "More like this" (liked) or "Less like this" (not liked) on one paper."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="votes")
    paper = models.ForeignKey("digest.Paper", on_delete=models.CASCADE, related_name="votes")
    liked = models.BooleanField()
    voted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "paper"], name="one_vote_per_paper"),
        ]
        ordering = ["-voted_at", "-id"]

    def __str__(self) -> str:
        return f"{'more' if self.liked else 'less'} like paper {self.paper_id}"


class Mute(models.Model):
    """An author or a word the reader never wants to see again in a digest."""

    class Kind(models.TextChoices):
        AUTHOR = "author"
        WORD = "word"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="mutes")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "subscriber", "kind", Lower("value"), name="one_mute_per_author_or_word"
            ),
        ]
        ordering = ["kind", "value"]

    def __str__(self) -> str:
        return f"muted {self.kind} {self.value}"


class ErasedAddress(models.Model):
    """An address whose owner deleted their data: only a keyed hash of it (see erasure.py), so it
    is never mailed again unless its owner signs up anew and confirms."""

    digest = models.CharField(max_length=64, unique=True)
    erased_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "erased addresses"

    def __str__(self) -> str:
        return f"erased {self.erased_at:%Y-%m-%d}"


class ReaderSession(AbstractBaseSession):
    """A browser session (SESSION_ENGINE is subscriptions.sessions), with the reader whose emailed
    link it holds, if any, so unsubscribing or deleting can end every such session."""

    reader = models.UUIDField(null=True, blank=True, db_index=True)
