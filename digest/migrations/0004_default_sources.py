from django.db import migrations

DEFAULT_SOURCES = [
    ("Hugging Face daily papers", "hf_daily_api", "https://huggingface.co/api/daily_papers"),
    ("arXiv cs.AI", "arxiv_rss", "https://rss.arxiv.org/rss/cs.AI"),
    ("arXiv cs.CL", "arxiv_rss", "https://rss.arxiv.org/rss/cs.CL"),
    ("arXiv cs.LG", "arxiv_rss", "https://rss.arxiv.org/rss/cs.LG"),
]


def add_sources(apps, schema_editor):
    Source = apps.get_model("digest", "Source")
    for name, kind, url in DEFAULT_SOURCES:
        Source.objects.get_or_create(url=url, defaults={"name": name, "kind": kind})


def remove_sources(apps, schema_editor):
    Source = apps.get_model("digest", "Source")
    Source.objects.filter(url__in=[url for _, _, url in DEFAULT_SOURCES]).delete()


class Migration(migrations.Migration):
    dependencies = [("digest", "0003_paper_version")]

    operations = [migrations.RunPython(add_sources, remove_sources)]
