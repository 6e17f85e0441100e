from django.db import migrations, models
from django.db.models import F


def from_consent(apps, schema_editor):
    # Readers waiting for their first digest keep to their schedule from when they confirmed.
    Subscriber = apps.get_model("subscriptions", "Subscriber")
    Subscriber.objects.update(receiving_since=F("consent_confirmed_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("subscriptions", "0004_votes_and_mutes"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscriber",
            name="receiving_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(from_consent, migrations.RunPython.noop),
    ]
