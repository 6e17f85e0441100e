import uuid

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


class ErasedAddress(models.Model):
    """An address whose owner deleted their data: only a keyed hash of it (see erasure.py), so it
    is never mailed again unless its owner signs up anew and confirms."""

    digest = models.CharField(max_length=64, unique=True)
    erased_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "erased addresses"

    def __str__(self) -> str:
        return f"erased {self.erased_at:%Y-%m-%d}"
