"""Forms of the manage page: topics, schedule, deleting, and asking for a manage link."""

import calendar
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django import forms

from digest.actions import check_query
from digest.topics.query import MAX_LENGTH, QueryError
from subscriptions.forms import MAX_TOPICS, HoneypotForm
from subscriptions.models import Subscriber

MAX_UPVOTES = 100_000


class TopicForm(forms.Form):
    """A new topic. `query_error` keeps the parser's complaint, to point at its character."""

    name = forms.CharField(max_length=200, required=False, label="Name (optional)")
    query = forms.CharField(max_length=MAX_LENGTH, label="Query", strip=True)
    min_upvotes = forms.IntegerField(
        min_value=0, max_value=MAX_UPVOTES, required=False, initial=0, label="Minimum upvotes"
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.query_error: QueryError | None = None

    def clean_query(self) -> str:
        query = self.cleaned_data["query"]
        try:
            check_query(query)
        except QueryError as error:
            self.query_error = error
            raise forms.ValidationError(error.message) from None
        return query

    def clean_min_upvotes(self) -> int:
        return self.cleaned_data["min_upvotes"] or 0

    def clean(self) -> dict:
        data = super().clean()
        # A topic's name starts as its query, as on the subscribe form.
        data["name"] = data.get("name") or data.get("query", "")[:200]
        return data


class EditTopicForm(TopicForm):
    name = forms.CharField(max_length=200, required=False, label="Name")
    enabled = forms.BooleanField(required=False, label="Include in my digests")


def check_room_for_topic(count: int) -> None:
    if count >= MAX_TOPICS:
        raise forms.ValidationError(f"You have {MAX_TOPICS} topics, the most there can be.")


@cache
def time_zones() -> list[str]:
    """Every IANA zone name this system knows, sorted, for the page's suggestions."""
    return sorted(available_timezones())


class ScheduleForm(forms.ModelForm):
    weekday = forms.TypedChoiceField(
        coerce=int, choices=list(enumerate(calendar.day_name)), label="Weekday (weekly digests)"
    )
    delivery_hour = forms.TypedChoiceField(
        coerce=int, choices=[(h, f"{h:02d}:00") for h in range(24)], label="Delivery time"
    )
    max_papers = forms.IntegerField(min_value=1, max_value=100, label="Papers per email")
    time_zone = forms.CharField(max_length=64, label="Time zone")

    class Meta:
        model = Subscriber
        fields = ["frequency", "weekday", "delivery_hour", "time_zone", "max_papers"]
        widgets = {"frequency": forms.RadioSelect}
        labels = {"frequency": "How often"}

    def clean_time_zone(self) -> str:
        name = self.cleaned_data["time_zone"].strip()
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(
                f"“{name}” is not a time zone we know. Use a name like Europe/Paris or "
                "America/New_York."
            ) from None
        return name


class DeleteForm(forms.Form):
    sure = forms.BooleanField(
        label="Yes, delete my subscription and everything you keep about me",
        error_messages={"required": "Tick the box to confirm: deleting cannot be undone."},
    )


class RequestLinkForm(HoneypotForm):
    email = forms.EmailField(max_length=254, label="Your email address")
