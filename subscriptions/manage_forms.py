"""Forms of the manage page: topics, schedule, deleting, and asking for a manage link."""

import calendar

from django import forms

from digest.actions import check_query
from digest.topics.query import MAX_LENGTH, QueryError
from subscriptions.forms import (
    MAX_TOPICS,
    EmailAddressField,
    HoneypotForm,
    TimeZoneField,
    same_topic,
    time_zones,
)
from subscriptions.models import Subscriber, TopicFilter

MAX_UPVOTES = 100_000
MAX_PAPERS = 100


class TopicForm(forms.Form):
    """A new topic, or a change to one. `query_error` keeps the parser's complaint, to point at
    its character; `others` are the reader's other topics, which it must not repeat."""

    query = forms.CharField(
        max_length=MAX_LENGTH,
        label="Query",
        strip=True,
        error_messages={
            "required": "Type a query first, for example diffusion video.",
            "max_length": f"Please keep the query under {MAX_LENGTH} characters.",
        },
    )
    name = forms.CharField(
        max_length=200,
        required=False,
        label="Name (optional)",
        error_messages={"max_length": "Please keep the name under 200 characters."},
    )
    min_upvotes = forms.IntegerField(
        min_value=0,
        max_value=MAX_UPVOTES,
        required=False,
        initial=0,
        label="Minimum upvotes",
        error_messages={
            "invalid": "Type a whole number, like 5.",
            "min_value": "Use 0 or more.",
            "max_value": f"Use a number up to {MAX_UPVOTES:,}.",
        },
    )

    def __init__(
        self, *args: object, others: list[TopicFilter] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.query_error: QueryError | None = None
        self.others = others or []

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
        self._refuse_repeats(data)
        return data

    def _refuse_repeats(self, data: dict) -> None:
        """A second topic with the same query would only send the same papers again, and two
        topics with one name could not be told apart in a digest."""
        query, name = data.get("query"), data["name"]
        for other in self.others:
            if query and same_topic(other.query, query):
                self.add_error("query", f"Your topic “{other.name}” already has this query.")
                return
            if name and same_topic(other.name, name):
                self.add_error(
                    "name" if self.data.get(self.add_prefix("name")) else "query",
                    f"You already have a topic named “{other.name}”. "
                    "Give this one a name of its own.",
                )
                return


class EditTopicForm(TopicForm):
    name = forms.CharField(
        max_length=200,
        required=False,
        label="Name",
        error_messages=TopicForm.base_fields["name"].error_messages,
    )
    enabled = forms.BooleanField(required=False, label="Include in my digests")


def check_room_for_topic(count: int) -> None:
    if count >= MAX_TOPICS:
        raise forms.ValidationError(f"You have {MAX_TOPICS} topics, the most there can be.")


class ScheduleForm(forms.ModelForm):
    weekday = forms.TypedChoiceField(
        coerce=int,
        choices=list(enumerate(calendar.day_name)),
        label="Weekday (weekly digests)",
        error_messages={"invalid_choice": "Choose a day from the list."},
    )
    delivery_hour = forms.TypedChoiceField(
        coerce=int,
        choices=[(h, f"{h:02d}:00") for h in range(24)],
        label="Delivery time",
        error_messages={"invalid_choice": "Choose a time from the list."},
    )
    max_papers = forms.IntegerField(
        min_value=1,
        max_value=MAX_PAPERS,
        label="Papers per email",
        error_messages={
            "required": f"Say how many papers you would like, from 1 to {MAX_PAPERS}.",
            "invalid": f"Type a whole number from 1 to {MAX_PAPERS}.",
            "min_value": f"Choose from 1 to {MAX_PAPERS} papers.",
            "max_value": f"Choose from 1 to {MAX_PAPERS} papers.",
        },
    )
    time_zone = TimeZoneField()

    class Meta:
        model = Subscriber
        fields = ["frequency", "weekday", "delivery_hour", "time_zone", "max_papers"]
        widgets = {"frequency": forms.RadioSelect}
        labels = {"frequency": "How often"}
        error_messages = {
            "frequency": {
                "required": "Choose daily or weekly.",
                "invalid_choice": "Choose daily or weekly.",
            }
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # A zone this system no longer lists (tzdata renames) stays the reader's until they
        # change it, rather than a silent first entry of the list on their next save.
        kept = self.instance.time_zone
        if (kept, kept) not in time_zones():
            self.fields["time_zone"].choices = [(kept, kept), *time_zones()]


class DeleteForm(forms.Form):
    sure = forms.BooleanField(
        label="Yes, delete my subscription and everything you keep about me",
        error_messages={"required": "Tick the box to confirm: deleting cannot be undone."},
    )


class RequestLinkForm(HoneypotForm):
    email = EmailAddressField()
