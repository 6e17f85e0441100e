"""core/progress.py in the commands that use it: a bar on a terminal (a real pseudo-terminal
here), nothing but the plain summary lines when the output is piped."""

import os
import pty
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from digest.management.commands.demo import DEMO_FEEDS
from tests.digests import MORNING, make_paper
from tests.personas import make_reader

pytestmark = pytest.mark.django_db


class Terminal:
    """A pseudo-terminal: commands write to its end as to a tty; `read` returns what they drew."""

    def __init__(self) -> None:
        self.master, slave = pty.openpty()
        self.stream = os.fdopen(slave, "w")

    def read(self) -> str:
        self.stream.flush()
        os.set_blocking(self.master, False)
        chunks = []
        while True:
            try:
                chunks.append(os.read(self.master, 65536))
            except BlockingIOError:
                return b"".join(chunks).decode()


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    terminal = Terminal()
    yield terminal
    terminal.stream.close()
    os.close(terminal.master)


@pytest.fixture
def three_due_readers(frozen_clock, settings) -> None:
    frozen_clock.travel_to(MORNING)
    settings.DIGEST_CHUNK_SIZE = 1
    make_paper("Agents that plan")
    for name in ("ada", "bob", "cy"):
        make_reader(f"{name}@example.com")


def test_send_digests_draws_a_bar_on_a_terminal(three_due_readers, terminal):
    out = StringIO()

    call_command("send_digests", "--force", stdout=out, stderr=terminal.stream)

    drawn = terminal.read()
    assert "[" + " " * 30 + "] 0/3" in drawn
    assert "[" + "#" * 10 + " " * 20 + "] 1/3" in drawn
    assert "[" + "#" * 30 + "] 3/3" in drawn
    assert out.getvalue() == (
        "Planned 3 digest(s): 3 sent, 0 skipped (nothing new), 0 failed;"
        " 0 channel post(s): 0 sent, 0 skipped (nothing new), 0 failed.\n"
    )


def test_send_digests_piped_prints_only_its_summary(three_due_readers):
    out, err = StringIO(), StringIO()

    call_command("send_digests", "--force", stdout=out, stderr=err)

    assert err.getvalue() == ""
    assert out.getvalue() == (
        "Planned 3 digest(s): 3 sent, 0 skipped (nothing new), 0 failed;"
        " 0 channel post(s): 0 sent, 0 skipped (nothing new), 0 failed.\n"
    )


@pytest.fixture
def readers_csv(tmp_path: Path) -> Path:
    path = tmp_path / "readers.csv"
    rows = [f"{name}@example.com,diffusion" for name in ("ada", "bob", "cy", "dee")]
    path.write_text("email,topic\n" + "\n".join(rows) + "\n")
    return path


def test_import_subscribers_draws_a_bar_on_a_terminal(readers_csv, terminal):
    out = StringIO()

    call_command(
        "import_subscribers", str(readers_csv), "--confirmed", stdout=out, stderr=terminal.stream
    )

    drawn = terminal.read()
    assert "] 0/4" in drawn and "[" + "#" * 15 + " " * 15 + "] 2/4" in drawn
    assert drawn.endswith("[" + "#" * 30 + "] 4/4\r\n")  # the terminal turns \n into \r\n
    assert out.getvalue() == "4 reader(s) created, 0 updated, 0 skipped, 0 bad row(s).\n"


def test_import_subscribers_piped_prints_only_its_summary(readers_csv):
    out, err = StringIO(), StringIO()

    call_command("import_subscribers", str(readers_csv), "--confirmed", stdout=out, stderr=err)

    assert err.getvalue() == ""
    assert out.getvalue() == "4 reader(s) created, 0 updated, 0 skipped, 0 bad row(s).\n"


def test_ingest_draws_the_same_bar_on_a_terminal(terminal):
    feeds = sorted(str(path) for path in DEMO_FEEDS.iterdir() if path.suffix in (".xml", ".json"))

    call_command("ingest", *feeds, stdout=StringIO(), stderr=terminal.stream)

    drawn = terminal.read()
    assert f"] 0/{len(feeds)}" in drawn and drawn.endswith(f"] {len(feeds)}/{len(feeds)}\r\n")
