"""Checkers from outside that browser tests hold every page and email to: axe-core (WCAG 2.1 AA)
and the Nu Html Checker (the W3C validator), both from the npm registry (package.json; `make test`
runs `npm ci`), the validator on Debian's Java.

`look_at` shows what a browser has open at each of SCREENS (phone and desktop, light and dark),
saves a screenshot of each and returns every problem it saw; `NuChecker` validates HTML sources.
"""

import json
import shutil
import socket
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.services import missing

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
NON_TEXT_CONTRAST = Path(__file__).with_name("contrast.js")
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# And axe's best practices for a page's structure: one main landmark holding the content, one
# h1, headings in order, landmarks told apart by their names.
STRUCTURE = [
    "landmark-one-main",
    "region",
    "page-has-heading-one",
    "heading-order",
    "landmark-unique",
]
SCREENS = [(390, "light"), (390, "dark"), (1280, "light"), (1280, "dark")]


def require_checkers() -> None:
    if not AXE.exists() or not VNU.exists():
        missing("axe-core and vnu-jar (npm ci)")
    if shutil.which("java") is None:
        missing("Java (apt-get install default-jre-headless)")


def inject(page) -> None:
    """axe-core and our contrast.js, once per document; the page's context must bypass the
    site's CSP, which (rightly) refuses injected scripts."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
        page.add_script_tag(path=str(NON_TEXT_CONTRAST))


def focus_ring(page) -> str | None:
    """What is wrong with the focused element's ring, if anything."""
    inject(page)
    return page.evaluate("nonTextContrast.focusRing()")


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations (and STRUCTURE's) on the page as it is now, one
    line each."""
    inject(page)
    options = {
        "runOnly": {"type": "tag", "values": WCAG_21_AA},
        "rules": {rule: {"enabled": True} for rule in STRUCTURE},
    }
    results = page.evaluate("options => axe.run(document, options)", options)
    return [
        f"{rule['id']}: {rule['help']}: "
        + " | ".join(f"{node['target']} {node['failureSummary']}" for node in rule["nodes"])
        for rule in results["violations"]
    ]


def look_at(page, name: str, folder: Path) -> list[str]:
    """At each screen size and colour scheme: a screenshot, anything wider than the screen,
    axe-core's violations and control borders under 3:1."""
    problems = []
    for width, scheme in SCREENS:
        page.set_viewport_size({"width": width, "height": 900})
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(folder / f"{name}-{width}-{scheme}.png"), full_page=True)
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > width:
            problems.append(f"{width} px {scheme}: the page is {wide} px wide")
        found = axe_violations(page) + page.evaluate("nonTextContrast.controlBorders()")
        problems += [f"{width} px {scheme}: {problem}" for problem in found]
    return problems


class DocumentRecorder:
    """Keeps the last HTML document a page loaded (not a redirect), as the server sent it: the
    validator checks the source, not the DOM a browser built from it."""

    def __init__(self, page) -> None:
        self.last = None
        page.on("response", self._seen)

    def _seen(self, response) -> None:
        if response.request.resource_type == "document" and not 300 <= response.status < 400:
            self.last = response

    def html(self) -> str:
        assert self.last is not None, "the page loaded no document"
        return self.last.text()


class NuChecker:
    """The Nu Html Checker as one local service for the whole run (its JVM is slow to start)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def errors(self, html: str) -> list[str]:
        request = urllib.request.Request(
            f"{self.url}?out=json",
            data=html.encode(),
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            messages = json.load(response)["messages"]
        return [
            f"line {message.get('lastLine')}: {message['message']}: {message.get('extract', '')!r}"
            for message in messages
            if message["type"] == "error"
        ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def nu_checker() -> Iterator[NuChecker]:
    """Start the checker's service on a free loopback port; stop it on exit."""
    port = _free_port()
    command = ["java", "-Xss4m", "-cp", str(VNU)]
    command += ["-Dnu.validator.servlet.bind-address=127.0.0.1", "nu.validator.servlet.Main"]
    process = subprocess.Popen(
        [*command, str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:  # blocks on the service's own log, no polling
            if line.startswith("Checker service started"):
                break
        else:
            pytest.fail(f"the Nu Html Checker exited with status {process.wait()}")
        # Its log goes on with each check: keep reading it so the pipe never fills.
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield NuChecker(f"http://127.0.0.1:{port}/")
    finally:
        process.terminate()
        process.wait()
