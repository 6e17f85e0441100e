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
    upvotes = models.IntegerField(null=True, blank=True)
    upvotes_at = models.DateTimeField(null=True, blank=True)
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
