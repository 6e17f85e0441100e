import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from config.celery import app as celery_app
from core import clock

# Property tests never flake on a busy machine: no deadline, and a fixed seed under CI.
hypothesis_settings.register_profile("default", deadline=None)
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") == "true" else "default")

ARTEFACTS = Path(__file__).resolve().parent.parent / "test-artefacts"


@pytest.fixture(autouse=True)
def _eager_celery_unless_a_worker_runs(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tasks run in-process in tests, unless the test starts a real worker (see services.py)."""
    eager = "real_broker" not in request.keywords
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def frozen_clock() -> Iterator[object]:
    """The service clock (core.clock), put back where it was after the test."""
    yield clock
    clock.reset()


@pytest.fixture
def artefacts() -> Path:
    """Where browser tests save screenshots (kept by CI as test artefacts)."""
    ARTEFACTS.mkdir(exist_ok=True)
    return ARTEFACTS


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Debian's Chromium driven by Playwright; its own browser download does not work here."""
    from playwright.sync_api import sync_playwright

    from tests.services import missing

    if not Path("/usr/bin/chromium").exists():
        missing("Chromium (apt-get install chromium)")
    # Playwright's sync API runs an event loop; Django must still allow ORM calls from tests.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium) -> Iterator[object]:
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def now(frozen_clock):
    """The service clock set to NOW of tests/manage_page.py (Thursday noon), put back after."""
    from tests.manage_page import NOW

    frozen_clock.travel_to(NOW)
    return frozen_clock
