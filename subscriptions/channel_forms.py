"""The forms that add and edit a team channel: where it posts, its topics and its own schedule."""

from django import forms

from digest import actions
from digest.models import Channel
from subscriptions.forms import MAX_TOPICS, parse_topic_lines, topic_key
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
        """The queries, each once whatever its capitals and spacing, as on the subscribe form;
        counted before any is checked, so a huge list costs no look-ups."""
        text = self.cleaned_data["topics"]
        if len({topic_key(line) for line in text.splitlines() if line.strip()}) > MAX_TOPICS:
            raise forms.ValidationError(f"At most {MAX_TOPICS} topics, one per line.")
        topics, problems = parse_topic_lines(text)
        if problems:
            raise forms.ValidationError(
                [f"Line {problem.line_number}: {problem.message}" for problem in problems]
            )
        return [query for _, query in topics]


class EditChannelForm(ChannelForm):
    """A channel's settings but its service; its URL is replaced only when a new one is typed,
    as the old one is never shown back (the page shows its masked form)."""

    field_order = ["name", "url", "topics"]

    def __init__(self, *args: object, instance: Channel, **kwargs: object) -> None:
        initial = {"topics": "\n".join(instance.topics)}
        super().__init__(*args, instance=instance, initial=initial, **kwargs)
        del self.fields["kind"]
        self.fields["url"].required = False
        self.fields["url"].label = "New webhook address (optional)"
        self.fields["url"].help_text = f"Leave empty to keep posting to {instance.url_masked}."

    class Meta(ChannelForm.Meta):
        fields = [field for field in ChannelForm.Meta.fields if field != "kind"]

    def clean_url(self) -> str:
        return super().clean_url() if self.cleaned_data["url"].strip() else ""
