import uuid

from django.db import models


class Source(models.Model):
    """A feed we ingest papers from."""

    class Kind(models.TextChoices):
        HF_DAILY_API = "hf_daily_api", "Hugging Face daily papers (JSON API)"
        ARXIV_RSS = "arxiv_rss", "arXiv RSS listing"
        ARXIV_API = "arxiv_api", "arXiv API (Atom)"
        FEED = "feed", "Any RSS or Atom feed"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.FEED)
    url = models.URLField(max_length=2000, unique=True)
    enabled = models.BooleanField(default=True)
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name

    @property
    def health(self) -> str:
        """How fetching goes, in a few words for the operator (the admin's list and overview)."""
        if not self.enabled:
            return "Disabled"
        if self.consecutive_failures:
            return f"Failing: {self.consecutive_failures} in a row"
        if self.last_fetched_at is None:
            return "Not fetched yet"
        return "OK"


class Paper(models.Model):
    """One paper, however many sources announced it and in however many versions."""

    # "arxiv:<id without version>" when an arXiv id is known, else "<source id>:<guid or link>".
    key = models.CharField(max_length=600, unique=True)
    arxiv_id = models.CharField(max_length=50, null=True, blank=True, unique=True)
    title = models.TextField()
    abstract = models.TextField(blank=True)
    authors = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(db_index=True)
    abs_url = models.URLField(max_length=2000, blank=True)
    pdf_url = models.URLField(max_length=2000, blank=True)
    code_url = models.URLField(max_length=2000, blank=True)
    project_url = models.URLField(max_length=2000, blank=True)
    # The Hugging Face paper page, set once Hugging Face has listed the paper.
    hf_url = models.URLField(max_length=2000, blank=True)
    # Hugging Face's own: its generated summary and the comments on its paper page.
    ai_summary = models.TextField(blank=True)
    comments = models.IntegerField(null=True, blank=True)
    upvotes = models.IntegerField(null=True, blank=True)
    upvotes_at = models.DateTimeField(null=True, blank=True)
    # The arXiv version the metadata comes from: an older listing never overwrites a newer one.
    version = models.PositiveSmallIntegerField(null=True, blank=True)
    sources = models.ManyToManyField(Source, through="Sighting", related_name="papers")

    def __str__(self) -> str:
        return self.title


class Sighting(models.Model):
    """That a source announced a paper, under which raw id (guid, versioned id, URL)."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="sightings")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="sightings")
    raw_id = models.CharField(max_length=600)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "paper"], name="one_sighting_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.source} saw {self.raw_id}"


class Sending(models.Model):
    """What a reader's digest and a channel's post share: one period's row, planned by one
    planner run, claimed and sent under a lease, retried (digest/sending.py)."""

    class Status(models.TextChoices):
        PLANNED = "planned"
        SENDING = "sending"
        SENT = "sent"
        SKIPPED = "skipped"
        FAILED = "failed"

    # The reader's (or channel's) local date ("2026-11-26") when daily, ISO week ("2026-W48")
    # when weekly.
    period = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    # Identifies the planner run that created the row, so each planner sends only its own rows.
    batch = models.UUIDField(db_index=True)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    planned_at = models.DateTimeField()
    built_at = models.DateTimeField(null=True, blank=True)
    # When a planned row is next due to go out: planning time, or later after a transient error.
    due_at = models.DateTimeField(null=True, blank=True)
    # Set on claiming and again as each message is handed over: the sender's lease on the row.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    reason = models.TextField(blank=True)

    class Meta:
        abstract = True


class Delivery(Sending):
    """One digest for one reader and one period: the row is the truth about what was sent.

    The unique (subscriber, period) pair is what stops two planners, or a re-run after a crash,
    from planning the same digest twice.
    """

    # Not indexed on its own: the unique (subscriber, period) index serves lookups by reader.
    subscriber = models.ForeignKey(
        "subscriptions.Subscriber",
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider_message_id = models.CharField(max_length=200, blank=True)
    provider_status = models.CharField(max_length=50, blank=True)

    # The reasons of the rows that never went out that the reader's archive tells apart.
    NOTHING_NEW = "No new papers matched since the last digest."
    READER_GONE = "The reader is no longer active."
    GAVE_UP = "Gave up"  # a failure that is the provider's or a worker's, not the address's
    FEED_ONLY = "feed only"  # the provider status of a digest that went to the reader's feed only
    # The provider status a soft bounce (a full mailbox, a server down) leaves: Anymail calls it
    # `bounced`, like a hard one, but the address still works (see webhooks.py).
    SOFT_BOUNCED = "soft bounced"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "period"], name="one_digest_per_period"),
        ]
        # Only the rows still in play (and the failed ones operators look at) are indexed by
        # status: sent and skipped rows, nearly all of them, cost no index entry when they settle.
        indexes = [
            models.Index(
                fields=["status"],
                condition=models.Q(status__in=["planned", "sending", "failed"]),
                name="delivery_open_status",
            ),
        ]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.subscriber} {self.period} ({self.status})"


class SentPaper(models.Model):
    """A paper in a reader's digest. Unique per reader: no paper ever reaches a reader twice.

    It keeps what the digest showed (matched topic names and words), so "view in browser" shows
    the same content even after the reader edits their topics.
    """

    # Not indexed on its own: the unique (subscriber, paper) index serves lookups by reader.
    subscriber = models.ForeignKey(
        "subscriptions.Subscriber",
        on_delete=models.CASCADE,
        related_name="sent_papers",
        db_index=False,
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    topics = models.JSONField(default=list, blank=True)
    words = models.JSONField(default=list, blank=True)
    # Why it is there when no topic matched ("Trending", "Trending late"...): the digest's line.
    reason = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "paper"], name="paper_sent_once"),
        ]
        ordering = ["delivery", "position"]

    def __str__(self) -> str:
        return f"{self.paper_id} to {self.subscriber_id}"


class HeldBack(models.Model):
    """A paper one of the reader's topics matched but whose upvotes were below the topic's
    minimum when it was first in one of their digests' windows: if it reaches the minimum soon
    enough, it goes out late (digest/blooming.py). Papers cut only by the papers-per-email limit
    are not held back: they had their chance."""

    # Not indexed on its own: the unique (subscriber, paper) index serves lookups by reader.
    subscriber = models.ForeignKey(
        "subscriptions.Subscriber",
        on_delete=models.CASCADE,
        related_name="held_back",
        db_index=False,
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    # The topic whose minimum held it back (the lowest of those that matched); removing the
    # topic lets the paper go.
    topic = models.ForeignKey(
        "subscriptions.TopicFilter", on_delete=models.CASCADE, related_name="+"
    )
    min_upvotes = models.PositiveIntegerField()  # the topic's minimum then
    upvotes = models.IntegerField(null=True, blank=True)  # the paper's count then
    held_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "paper"], name="paper_held_back_once"),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} held back from {self.subscriber_id}"


class TrackingEvent(models.Model):
    """A provider's tracking event (bounce, complaint, unsubscribe) already acted on.

    Providers deliver webhooks at least once: the unique key makes a replayed event a no-op.
    """

    key = models.CharField(max_length=200, unique=True)
    event_type = models.CharField(max_length=30)
    # No address is kept here: deleting a reader (and their deliveries) leaves nothing of them.
    delivery = models.ForeignKey(
        Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.event_type} {self.key}"


class Vocabulary(models.Model):
    """A fitted tf-idf vocabulary, as plain data (terms and their idf), so no pickle ties the
    learned ranking to one machine or library version. The newest row is the one in use."""

    fitted_at = models.DateTimeField()
    papers = models.PositiveIntegerField(help_text="How many papers it was fitted on")
    state = models.JSONField()

    class Meta:
        verbose_name_plural = "vocabularies"
        get_latest_by = "fitted_at"

    def __str__(self) -> str:
        return f"vocabulary of {self.fitted_at:%Y-%m-%d %H:%M}"


class Taste(models.Model):
    """A reader's learned taste: weights keyed by term (so a refitted vocabulary keeps them)."""

    subscriber = models.OneToOneField(
        "subscriptions.Subscriber", on_delete=models.CASCADE, related_name="taste"
    )
    state = models.JSONField()
    votes = models.PositiveIntegerField(help_text="How many votes it was trained on")
    trained_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"taste of reader {self.subscriber_id}"


class Channel(models.Model):
    """A team's chat channel (Slack, Discord, Microsoft Teams or any JSON webhook) that gets its
    own posts of papers, on its own topics and schedule, owned by the reader who added it.

    The webhook URL is a secret (whoever holds it can post to the channel): it is stored
    encrypted (digest/channel_urls.py) and only ever shown back masked.
    """

    class Kind(models.TextChoices):
        SLACK = "slack", "Slack"
        DISCORD = "discord", "Discord"
        TEAMS = "teams", "Microsoft Teams"
        WEBHOOK = "webhook", "Any JSON webhook"

    owner = models.ForeignKey(
        "subscriptions.Subscriber", on_delete=models.CASCADE, related_name="channels"
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    url_encrypted = models.TextField()
    url_masked = models.CharField(max_length=300)
    # Topic queries in the topic language; none means the most upvoted papers.
    topics = models.JSONField(default=list, blank=True)
    frequency = models.CharField(max_length=10, default="daily")
    weekday = models.PositiveSmallIntegerField(default=0, help_text="0 is Monday")
    delivery_hour = models.PositiveSmallIntegerField(default=8)
    time_zone = models.CharField(max_length=64, default="UTC")
    papers_per_post = models.PositiveSmallIntegerField(default=5)
    paused = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} channel {self.name}"


class ChannelPost(Sending):
    """One post for one channel and one period, with the same states and lease as a Delivery.

    A post may go out as several requests (parts) to stay within the service's size limits;
    `parts_sent` records each one as the service accepts it, so a retry sends only the rest.
    `attempts` counts the hand-overs of the part now due (it starts again at 0 once that part
    is through), which is what the retry table is counted against.
    """

    NOTHING_NEW = "No new papers matched since the last post."

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="posts", db_index=False
    )
    parts_sent = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "period"], name="one_post_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.period} ({self.status})"


class ChannelPaper(models.Model):
    """A paper in a channel's post. Unique per channel: no paper reaches a channel twice."""

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="papers", db_index=False
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(ChannelPost, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    topics = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "paper"], name="paper_posted_once"),
        ]
        ordering = ["post", "position"]

    def __str__(self) -> str:
        return f"{self.paper_id} to channel {self.channel_id}"
