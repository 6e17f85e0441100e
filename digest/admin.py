from django.conf import settings
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import truncatechars
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core import clock
from digest.models import Channel, ChannelPost, Delivery, Paper, SentPaper, Sighting, Source
from digest.sending import retry
from digest.tasks import queue_sends


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    # A feed address typed without a scheme is https://, as Django 6 will assume.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # The columns an operator scans first come first, and long text is cut (in full on hover and
    # on the source's page), so the list fits 1280 px with its filters.
    list_display = (
        "name",
        "health",
        "enabled",
        "failures_in_a_row",
        "short_error",
        "last_error_at",
        "last_fetched_at",
    )
    list_filter = ("enabled", "kind")
    list_editable = ("enabled",)
    search_fields = ("name", "url")
    readonly_fields = (
        "etag",
        "last_modified",
        "last_fetched_at",
        "last_error",
        "last_error_at",
        "consecutive_failures",
    )
    actions = ("enable", "disable")

    @admin.display(description="health")
    def health(self, source: Source) -> str:
        return source.health

    @admin.display(description="failures in a row", ordering="consecutive_failures")
    def failures_in_a_row(self, source: Source) -> int:
        return source.consecutive_failures

    @admin.display(description="last error", ordering="last_error")
    def short_error(self, source: Source) -> SafeString:
        return _cut(source.last_error)

    @admin.action(description="Enable the selected sources")
    def enable(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        queryset.update(enabled=True)

    @admin.action(description="Disable the selected sources")
    def disable(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        queryset.update(enabled=False)


class SightingInline(admin.TabularInline):
    model = Sighting
    extra = 0
    readonly_fields = ("source", "raw_id", "seen_at")
    can_delete = False


class CategoryFilter(admin.SimpleListFilter):
    """Categories live in a JSON list: offer those of recent papers, match the quoted term."""

    title = "category"
    parameter_name = "category"
    RECENT = 2000

    def lookups(self, request: HttpRequest, model_admin: object) -> list[tuple[str, str]]:
        recent = Paper.objects.order_by("-first_seen_at").values_list("categories", flat=True)
        seen = {category for categories in recent[: self.RECENT] for category in categories}
        return [(category, category) for category in sorted(seen)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Paper]) -> QuerySet[Paper]:
        if not self.value():
            return queryset
        # icontains on the JSON text works on SQLite and PostgreSQL alike; the quotes make it
        # match a whole list item ("cs.CL" never matches "cs.CLX").
        return queryset.filter(categories__icontains=f'"{self.value()}"')


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ("title", "arxiv_id", "upvotes", "published_at", "first_seen_at")
    list_filter = (CategoryFilter, "sources")
    search_fields = ("title", "arxiv_id", "key", "authors")
    readonly_fields = ("key", "first_seen_at", "upvotes_at", "version")
    inlines = (SightingInline,)
    date_hierarchy = "first_seen_at"


class SentPaperInline(admin.TabularInline):
    model = SentPaper
    fields = ("position", "paper", "topics")
    readonly_fields = fields
    extra = 0
    can_delete = False


class TroubleFilter(admin.SimpleListFilter):
    """Digests that need an operator's eye: failed ones, and ones stuck mid-send past a lease."""

    title = "trouble"
    parameter_name = "trouble"

    def lookups(self, request: HttpRequest, model_admin: object) -> list[tuple[str, str]]:
        return [("failed", "Failed"), ("stuck", "Stuck sending (past the lease)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> QuerySet[Delivery]:
        if self.value() == "failed":
            return queryset.filter(status=Delivery.Status.FAILED)
        if self.value() == "stuck":
            cutoff = clock.now() - settings.SEND_LEASE
            return queryset.filter(status=Delivery.Status.SENDING, claimed_at__lt=cutoff)
        return queryset


class ReadOnly(admin.ModelAdmin):
    """Rows that only the service and their owner change."""

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly):
    """Read-only but for one action: sending changes the rows; an operator may retry them."""

    # What went wrong first; the reason cut short (in full on hover and on the digest's page),
    # so the list fits 1280 px with its filters. The date filter above the list has planned_at.
    list_display = (
        "subscriber",
        "period",
        "status",
        "provider_status",
        "short_reason",
        "attempts",
        "sent_at",
    )
    list_filter = (TroubleFilter, "status")
    actions = ("retry_digests",)
    search_fields = ("subscriber__email", "provider_message_id")
    list_select_related = ("subscriber",)
    date_hierarchy = "planned_at"
    inlines = (SentPaperInline,)

    @admin.display(description="reason", ordering="reason")
    def short_reason(self, delivery: Delivery) -> SafeString:
        return _cut(delivery.reason)

    @admin.action(description="Retry the selected failed or stuck digests")
    def retry_digests(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        ids = retry(list(queryset.values_list("pk", flat=True)), clock.now())
        queue_sends(ids)
        skipped = queryset.count() - len(ids)
        note = f" ({skipped} neither failed nor stuck were left as they are)" if skipped else ""
        self.message_user(request, f"Queued {len(ids)} digest(s) to send again{note}.")


@admin.register(Channel)
class ChannelAdmin(ReadOnly):
    # Never the encrypted URL: the masked one says which service, and the secret stays secret.
    fields = list_display = (
        "name",
        "kind",
        "owner",
        "url_masked",
        "paused",
        "frequency",
        "delivery_hour",
        "time_zone",
        "topics",
    )
    list_filter = ("kind", "paused")
    search_fields = ("name", "owner__email")
    list_select_related = ("owner",)


@admin.register(ChannelPost)
class ChannelPostAdmin(ReadOnly):
    list_display = ("channel", "period", "status", "parts_sent", "attempts", "sent_at", "reason")
    list_filter = ("status",)
    search_fields = ("channel__name", "channel__owner__email")
    list_select_related = ("channel",)
    date_hierarchy = "planned_at"


def _cut(text: str, length: int = 60) -> SafeString:
    """Long text cut for a list column, the whole of it in the tooltip (both escaped)."""
    if len(text) <= length:
        return format_html("{}", text or "-")
    return format_html('<span title="{}">{}</span>', text, truncatechars(text, length))
