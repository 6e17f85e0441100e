import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from subscriptions.models import Subscriber
from tests.digests import make_paper
from tests.personas import ada, dee
from tests.services import ROOT, require_postgres, worker_environment

pytestmark = pytest.mark.django_db

GOOD = """email,topic,topic_name,frequency,max_papers,min_upvotes
ada@example.com,diffusion,Diffusion,weekly,20,5
ada@example.com,cat:cs.CL retrieval,,,,
bob@example.com,,,,,
"""


def csv_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "readers.csv"
    path.write_text(text, encoding="utf-8")
    return path


def run_import(path: Path, *args: str, capture) -> tuple[str, str]:
    """Run the command, running the emails it queues, and return (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    with capture(execute=True):
        call_command("import_subscribers", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def importing(tmp_path, django_capture_on_commit_callbacks):
    def importing(text: str, *args: str) -> tuple[str, str]:
        return run_import(
            csv_file(tmp_path, text), *args, capture=django_capture_on_commit_callbacks
        )

    return importing


def test_imported_readers_must_confirm_by_email(importing, mailoutbox) -> None:
    importing(GOOD)

    assert set(Subscriber.objects.values_list("email", "status")) == {
        ("ada@example.com", "pending"),
        ("bob@example.com", "pending"),
    }
    assert sorted(m.to[0] for m in mailoutbox) == ["ada@example.com", "bob@example.com"]
    assert all("/confirm/" in m.body for m in mailoutbox)


def test_several_rows_for_one_email_add_several_topics(importing) -> None:
    importing(GOOD)

    reader = Subscriber.objects.get(email="ada@example.com")
    topics = [(t.name, t.query, t.min_upvotes) for t in reader.topics.all()]
    assert topics == [
        ("Diffusion", "diffusion", 5),
        ("cat:cs.CL retrieval", "cat:cs.CL retrieval", 0),
    ]
    assert (reader.frequency, reader.max_papers) == ("weekly", 20)


def test_an_email_alone_imports_a_reader_with_defaults_and_no_topic(importing) -> None:
    importing(GOOD)

    bob = Subscriber.objects.get(email="bob@example.com")
    assert (bob.frequency, bob.max_papers, bob.topics.count()) == ("daily", 10, 0)


def test_confirmed_readers_are_active_at_once_and_get_no_email(importing, mailoutbox) -> None:
    importing(GOOD, "--confirmed")

    readers = Subscriber.objects.all()
    assert {r.status for r in readers} == {"active"}
    assert all(r.consent_confirmed_at and r.consent_wording == "import" for r in readers)
    assert mailoutbox == []


BAD = """email,topic,frequency,max_papers
ada@example.com,diffusion,daily,10
not-an-email,diffusion,,
cy@example.com,(unclosed,,
dee@example.com,,monthly,
eve@example.com,,,500
fay@example.com,vision,,
ada@example.com,,weekly,
"""


def test_bad_rows_are_reported_by_line_and_good_rows_imported(importing) -> None:
    with pytest.raises(CommandError, match="5 row"):
        importing(BAD)

    assert set(Subscriber.objects.values_list("email", flat=True)) == {
        "ada@example.com",
        "fay@example.com",
    }


def test_each_bad_row_says_why(tmp_path) -> None:
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_subscribers", str(csv_file(tmp_path, BAD)), stderr=err)

    lines = err.getvalue().splitlines()
    assert [line.split(": ", 1)[1].split(":")[0] for line in lines] == [
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 8",
    ]
    report = err.getvalue()
    assert "'not-an-email' is not an email address" in report
    assert "topic '(unclosed'" in report
    assert "frequency 'monthly' must be daily or weekly" in report
    assert "max_papers '500' must be a whole number from 1 to 100" in report
    assert "frequency 'weekly' differs from 'daily' given on line 2" in report


def test_an_unknown_column_stops_the_import_before_anything_changes(importing) -> None:
    with pytest.raises(CommandError, match="unknown column.*'topics'"):
        importing("email,topics\nada@example.com,diffusion\n")

    assert not Subscriber.objects.exists()


def test_a_file_without_an_email_column_is_refused(importing) -> None:
    with pytest.raises(CommandError, match="no `email` column"):
        importing("address\nada@example.com\n")


def test_an_unsubscribed_reader_is_not_subscribed_again(importing, mailoutbox) -> None:
    dee()

    out, _ = importing("email\ndee@example.com\n", "--confirmed")

    assert Subscriber.objects.get(email="dee@example.com").status == "unsubscribed"
    assert "skipped" in out and mailoutbox == []


def test_an_existing_reader_gains_only_new_topics(importing) -> None:
    reader = ada()

    importing("email,topic\nADA@example.com,diffusion\nada@example.com,robotics\n")

    assert [t.query for t in reader.topics.all()] == [
        "diffusion",
        "cat:cs.CL retrieval",
        "robotics",
    ]


def test_a_query_again_in_other_capitals_or_spacing_is_the_same_topic(importing) -> None:
    reader = ada()  # has "diffusion" and "cat:cs.CL retrieval"

    importing(
        "email,topic\n"
        "ada@example.com,Diffusion\n"
        "ada@example.com,robotics\n"
        "ada@example.com,  ROBOTICS \n"
        "bob@example.com,llm agents\n"
        "bob@example.com,LLM  Agents\n"
    )

    assert [t.query for t in reader.topics.all()] == [
        "diffusion",
        "cat:cs.CL retrieval",
        "robotics",
    ]
    assert [t.query for t in Subscriber.objects.get(email="bob@example.com").topics.all()] == [
        "llm agents"
    ]


@pytest.mark.django_db(transaction=True)
def test_the_command_exits_with_status_1_when_a_row_is_bad(tmp_path) -> None:
    require_postgres()
    path = csv_file(tmp_path, "email\nada@example.com\nnope\n")

    done = subprocess.run(
        [sys.executable, "manage.py", "import_subscribers", str(path), "--confirmed"],
        cwd=ROOT,
        env=worker_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 1
    assert "line 3: 'nope' is not an email address" in done.stderr
    assert Subscriber.objects.filter(email="ada@example.com", status="active").exists()


def test_a_like_topic_must_name_a_stored_paper(tmp_path) -> None:
    paper = make_paper("Sparse attention")
    text = f"email,topic\nada@example.com,like:{paper.arxiv_id}\nbob@example.com,like:2101.00001\n"
    err = StringIO()

    with pytest.raises(CommandError, match="1 row"):
        call_command("import_subscribers", str(csv_file(tmp_path, text)), stderr=err)

    assert "line 3: topic 'like:2101.00001': No paper here has the arXiv id 2101.00001" in (
        err.getvalue()
    )
    assert list(Subscriber.objects.values_list("email", "topics__query")) == [
        ("ada@example.com", f"like:{paper.arxiv_id}")
    ]
