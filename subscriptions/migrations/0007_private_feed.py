import uuid

from django.db import migrations, models


def give_each_reader_a_key(apps, schema_editor):
    Subscriber = apps.get_model("subscriptions", "Subscriber")
    for reader in Subscriber.objects.only("pk").iterator():
        Subscriber.objects.filter(pk=reader.pk).update(feed_key=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("subscriptions", "0006_reader_session"),
    ]

    # Added empty, filled one by one (a callable default would give every row the same key),
    # then made unique.
    operations = [
        migrations.AddField(
            model_name="subscriber",
            name="feed_key",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(give_each_reader_a_key, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="subscriber",
            name="feed_key",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddField(
            model_name="subscriber",
            name="feed_only",
            field=models.BooleanField(default=False),
        ),
    ]
