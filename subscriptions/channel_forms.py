"""The form that adds a team channel: where it posts, its topics and its own schedule."""

from django import forms

from digest import actions
from digest.models import Channel
from digest.topics.query import QueryError
from subscriptions.forms import MAX_TOPICS
from subscriptions.manage_forms import ScheduleForm
from subscriptions.models import Subscriber


class ChannelForm(ScheduleForm):
    """A channel's schedule is asked as a reader's is (ScheduleForm), with what a channel adds."""

    name = forms.CharField(max_length=100, label="Name", help_text="Shown at the top of each post.")
    kind = forms.ChoiceField(
        choices=Channel.Kind.choices, widget=forms.RadioSelect, label="Service"
    )
    url = forms.CharField(
        max_length=2000,
        label="Webhook address",
        help_text="The incoming-webhook URL the service gave you. We never show it in full again.",
    )
    topics = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="Topics, one query per line",
        help_text="With none, the channel gets the most upvoted papers.",
    )
    frequency = forms.ChoiceField(
        choices=Subscriber.Frequency.choices, widget=forms.RadioSelect, label="How often"
    )
    papers_per_post = forms.IntegerField(
        min_value=1, max_value=50, initial=5, label="Papers per post"
    )
    max_papers = None  # a reader's; a channel has papers_per_post
    field_order = ["name", "kind", "url", "topics"]  # then the schedule, as a reader's

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["weekday"].label = "Weekday (weekly posts)"

    class Meta(ScheduleForm.Meta):
        model = Channel
        fields = [
            "name",
            "kind",
            "frequency",
            "weekday",
            "delivery_hour",
            "time_zone",
            "papers_per_post",
        ]

    def clean_url(self) -> str:
        try:
            return actions.check_webhook_url(self.cleaned_data["url"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_topics(self) -> list[str]:
        queries = [line.strip() for line in self.cleaned_data["topics"].splitlines()]
        queries = [query for query in queries if query]
        if len(queries) > MAX_TOPICS:
            raise forms.ValidationError(f"At most {MAX_TOPICS} topics, one per line.")
        for number, query in enumerate(queries, 1):
            try:
                actions.check_query(query)  # like: terms too, as a reader's topics
            except QueryError as error:
                raise forms.ValidationError(f"Line {number}: {error.message}") from None
        return queries
