"""`manage.py match`: the operator tries a topic query against the papers stored in PostgreSQL."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.models import Paper
from tests.services import require_postgres

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def stored(key: str, title: str, days_ago: int, **fields: object) -> Paper:
    return Paper.objects.create(
        key=f"arxiv:{key}", title=title, first_seen_at=NOW - timedelta(days=days_ago), **fields
    )


@pytest.fixture
def library(frozen_clock: object) -> dict[str, Paper]:
    """Four stored papers, first seen 1, 3, 10 and 2 days before NOW."""
    require_postgres()
    frozen_clock.travel_to(NOW)
    return {
        "video": stored(
            "2611.00001",
            "Réward-guided Diffusion for Video Generation",
            days_ago=1,
            abstract="We align video diffusion models with RLHF.",
            authors=["Ana Ortiz", "Sean O'Neil"],
            categories=["cs.CV"],
            upvotes=12,
        ),
        "audio": stored(
            "2611.00002",
            "Diffusion Models\nfor Audio",
            days_ago=3,
            abstract="A survey of audio diffusion.",
            categories=["cs.SD"],
        ),
        "old": stored("2611.00003", "Video diffusion, an early look", days_ago=10),
        "text": stored("2611.00004", "Language models that reason", days_ago=2),
    }


def run_match(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("match", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_it_prints_matching_papers_newest_first_with_id_and_full_title(library) -> None:
    out, err = run_match("diffusion video OR audio")

    video, audio, old = library["video"], library["audio"], library["old"]
    assert out.splitlines() == [
        f"{video.id} Réward-guided Diffusion for Video Generation",
        f"{audio.id} Diffusion Models for Audio",
        f"{old.id} Video diffusion, an early look",
    ]
    assert err == ""


@pytest.mark.django_db
def test_days_limits_it_to_papers_first_seen_recently(library) -> None:
    out, _ = run_match("diffusion", "--days", "5")

    assert out.splitlines() == [
        f"{library['video'].id} Réward-guided Diffusion for Video Generation",
        f"{library['audio'].id} Diffusion Models for Audio",
    ]


@pytest.mark.django_db
def test_it_matches_authors_and_categories_of_stored_papers(library) -> None:
    out, _ = run_match("author:o'neil cat:cs.*")

    assert out.splitlines() == [
        f"{library['video'].id} Réward-guided Diffusion for Video Generation"
    ]


@pytest.mark.django_db
def test_a_query_starting_with_a_minus_goes_after_a_double_dash(library) -> None:
    out, _ = run_match("--", "-survey diffusion")

    assert [line.split()[0] for line in out.splitlines()] == [
        str(library["video"].id),
        str(library["old"].id),
    ]


@pytest.mark.django_db
def test_a_query_matching_nothing_prints_nothing(library) -> None:
    assert run_match("quantum") == ("", "")


@pytest.mark.django_db
def test_a_bad_query_prints_the_error_to_stderr_and_exits_with_status_2(library) -> None:
    out, err = StringIO(), StringIO()

    with pytest.raises(SystemExit) as exited:
        call_command("match", 'diffusion "video', stdout=out, stderr=err)

    assert exited.value.code == 2
    assert err.getvalue() == 'Unbalanced quote: the " at character 11 is never closed.\n'
    assert out.getvalue() == ""


@pytest.mark.django_db
def test_it_reads_the_papers_in_one_query(library, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        run_match("diffusion")


@pytest.mark.django_db
def test_a_huge_number_of_days_is_a_clear_error_not_a_traceback(library) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="from 1 to 36,500"):
        call_command("match", "diffusion", "--days", "99999999999", stdout=StringIO())


@pytest.mark.django_db
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    query=st.text(st.characters(codec="utf-8"), max_size=600),
    days=st.one_of(st.none(), st.integers(-(10**12), 10**12)),
)
def test_no_query_or_number_of_days_makes_it_crash(library, query: str, days: int | None) -> None:
    """Whatever is typed: papers, or one line and exit status 2 (bad query) or an error."""
    from django.core.management import CommandError

    args = [query] if days is None else [query, "--days", str(days)]
    try:
        call_command("match", "--", *args, stdout=StringIO(), stderr=StringIO())
    except SystemExit as exit:
        assert exit.code == 2
    except CommandError as error:
        assert "--days" in str(error)
