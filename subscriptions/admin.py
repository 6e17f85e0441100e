from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from digest.actions import check_query
from digest.topics.query import QueryError
from subscriptions import actions
from subscriptions.models import Subscriber, TopicFilter


class TopicFilterForm(forms.ModelForm):
    class Meta:
        model = TopicFilter
        fields = ("name", "query", "min_upvotes", "enabled", "position")

    def clean_query(self) -> str:
        query = self.cleaned_data["query"]
        try:
            check_query(query)
        except QueryError as error:
            raise forms.ValidationError(
                f"{error.message} (at character {error.position + 1})"
            ) from None
        return query


class TopicFilterInline(admin.TabularInline):
    model = TopicFilter
    form = TopicFilterForm
    extra = 0


def _suppress_action(status: str) -> object:
    """An admin action marking the selected readers `status` through actions.suppress."""

    @admin.action(description=f"Suppress the selected readers as {status}")
    def suppress(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        changed = sum(actions.suppress(reader, status) for reader in queryset)
        model_admin.message_user(request, f"{changed} reader(s) marked {status}.")

    suppress.__name__ = f"suppress_{status}"
    return suppress


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("email", "status", "frequency", "created_at", "consent_confirmed_at")
    list_filter = ("status", "frequency")
    search_fields = ("email",)
    ordering = ("-created_at",)
    inlines = (TopicFilterInline,)
    # Status changes go through subscriptions.actions (the actions below), never a raw edit.
    readonly_fields = (
        "status",
        "public_id",
        "consent_asked_at",
        "consent_confirmed_at",
        "consent_ip",
        "consent_user_agent",
        "consent_wording",
        "soft_bounces",
        "soft_bounced_at",
        "created_at",
        "updated_at",
    )
    actions = (
        "resend_confirmation",
        _suppress_action(Subscriber.Status.BOUNCED),
        _suppress_action(Subscriber.Status.COMPLAINED),
    )

    @admin.action(description="Resend the confirmation email (pending readers)")
    def resend_confirmation(self, request: HttpRequest, queryset: QuerySet) -> None:
        sent = sum(actions.resend_confirmation(reader) for reader in queryset)
        skipped = queryset.count() - sent
        self.message_user(request, f"{sent} confirmation email(s) queued.")
        if skipped:
            self.message_user(
                request,
                f"{skipped} skipped: not pending, or already sent their emails for today.",
                messages.WARNING,
            )
