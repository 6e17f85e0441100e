"""import_subscribers against bad input: every bad row a line on stderr and exit status 1, never
a traceback, and the site's own limits (address length, topics per reader, number ranges)."""

import csv
import io
import re
import tempfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from subscriptions.forms import MAX_TOPICS
from subscriptions.importing import COLUMNS
from subscriptions.models import Subscriber, TopicFilter
from tests.personas import make_reader

pytestmark = pytest.mark.django_db


def run(text: str) -> tuple[int, str]:
    """Import `text` as the command line would: (exit status, stderr)."""
    err = io.StringIO()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "readers.csv"
        path.write_text(text, encoding="utf-8")
        try:
            call_command(
                "import_subscribers", str(path), "--confirmed", stdout=io.StringIO(), stderr=err
            )
        except CommandError:
            return 1, err.getvalue()
    return 0, err.getvalue()


def stored() -> set[tuple[str, str]]:
    return {
        (r.email, t)
        for r in Subscriber.objects.all()
        for t in ["", *r.topics.values_list("query", flat=True)]
    }


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("bad@example.com,diffusion,extra", "3 cell(s), but the header names 2"),
        ("bad@example.com", "1 cell(s), but the header names 2"),
        ("bad@example.com,diffusion\x00", r"'diffusion\x00' holds a control character"),
        ("bad@example.com,diffusion\x1b[2J", "holds a control character"),
        (f"{'a' * 300}@example.com,diffusion", "the email is 312 characters long"),
        ("bad@example.com," + "x" * 501, "the limit is 500"),
    ],
    ids=["longer row", "shorter row", "NUL", "escape", "long address", "long query"],
)
def test_a_bad_row_is_named_by_line_and_the_good_rows_imported(row, reason) -> None:
    status, err = run(f"email,topic\nada@example.com,diffusion\n{row}\nbob@example.com,\n")

    assert status == 1
    assert "line 3: " in err and reason in err
    assert set(Subscriber.objects.values_list("email", flat=True)) == {
        "ada@example.com",
        "bob@example.com",
    }


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("min_upvotes", "99999999999999999999999", "from 0 to 100000"),
        ("min_upvotes", "100001", "from 0 to 100000"),
        ("min_upvotes", "-1", "from 0 to 100000"),
        ("max_papers", "99999999999999999999999", "from 1 to 100"),
        ("max_papers", "²", "from 1 to 100"),
        ("max_papers", "9" * 5000, "from 1 to 100"),
    ],
)
def test_numbers_out_of_range_are_bad_rows(column, value, reason) -> None:
    status, err = run(f"email,topic,{column}\nada@example.com,diffusion,{value}\n")

    assert status == 1
    assert f"line 2: {column} " in err and reason in err
    assert len(err) < 300  # a huge cell is not echoed whole
    assert not Subscriber.objects.exists()


def test_leading_zeros_are_still_a_number_in_range() -> None:
    status, _ = run("email,topic,min_upvotes\nada@example.com,diffusion,000000000000000000007\n")

    assert status == 0
    assert TopicFilter.objects.get().min_upvotes == 7


def test_a_new_reader_gets_at_most_the_sites_number_of_topics() -> None:
    rows = "".join(f"ada@example.com,topic{n}\n" for n in range(25))

    status, err = run(f"email,topic\n{rows}")

    assert status == 1
    assert TopicFilter.objects.count() == MAX_TOPICS
    bad_lines = re.findall(r"line (\d+): ada@example.com already has 20 topics", err)
    assert bad_lines == ["22", "23", "24", "25", "26"]


def test_the_same_topic_twice_is_one_topic_not_a_bad_row() -> None:
    status, _ = run("email,topic\nada@example.com,diffusion\nada@example.com,diffusion\n")

    assert status == 0
    assert TopicFilter.objects.count() == 1


def test_an_existing_reader_gains_topics_only_up_to_the_limit() -> None:
    make_reader("ada@example.com", topics={f"old{n}": f"old{n}" for n in range(MAX_TOPICS - 2)})
    rows = "".join(f"ada@example.com,new{n}\n" for n in range(4))

    status, err = run(f"email,topic\nada@example.com,old0\n{rows}")

    assert status == 1
    assert TopicFilter.objects.filter(query__startswith="new").count() == 2
    assert re.findall(r"line (\d+): ada@example.com already has 20 topics here", err) == [
        "5",
        "6",
    ]


def test_a_column_named_twice_stops_the_import() -> None:
    status, err = run("email,topic,topic\nada@example.com,a,b\n")

    assert status == 1
    assert not Subscriber.objects.exists()


CELLS = st.one_of(
    st.sampled_from(["ada@example.com", "Bob@Example.com", "diffusion", "cat:cs.CL", "weekly", ""]),
    st.integers(min_value=-5, max_value=10**30).map(str),
    st.text(max_size=12),  # any character: NULs, controls, quotes, commas, newlines
    st.text(alphabet='\x00\x01\x1b\x7f\t\r\n a,"', max_size=6),
    st.text(alphabet="ab@.(", min_size=200, max_size=700),
)
HEADERS = (
    st.lists(st.sampled_from(COLUMNS[1:]), unique=True)
    .flatmap(st.permutations)
    .map(lambda columns: ["email", *columns])
)


@st.composite
def files(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    header = draw(HEADERS)
    width = len(header)
    rows = draw(
        st.lists(st.lists(CELLS, min_size=max(0, width - 2), max_size=width + 2), max_size=8)
    )
    return header, rows


@settings(max_examples=150)
@given(files())
def test_any_file_ends_in_status_0_or_1_and_no_bad_row_is_imported(file) -> None:
    Subscriber.objects.all().delete()
    header, rows = file
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])

    status, err = run(out.getvalue())  # anything but CommandError fails the test: a traceback

    bad = {int(line) for line in re.findall(r"line (\d+): ", err)}
    assert status == (1 if bad else 0)
    records = csv.reader(io.StringIO(out.getvalue(), newline=""))  # as the command reads it
    next(records)
    good = [dict(zip(header, row, strict=False)) for row in records if records.line_num not in bad]
    good = [row for row in good if row]
    expected = {(r["email"].strip().lower(), "") for r in good} | {
        (r["email"].strip().lower(), r["topic"].strip()) for r in good if r.get("topic", "").strip()
    }
    assert {(email.lower(), query) for email, query in stored()} == expected
