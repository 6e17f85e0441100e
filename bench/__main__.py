"""`make bench`: run every benchmark and write their tables to docs/benchmarks.md.

Each module listed in SUITES has `run() -> str`, returning a Markdown section. Benchmarks measure
ratios against a baseline taken in the same run, so a slow or busy machine shows in both.
`python -m bench matching ingest` runs only the suites named.
"""

import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

SUITES: list[str] = [
    "bench.digests",
    "bench.matching",
    "bench.preview",
    "bench.ingest",
    "bench.sending",
    "bench.fault_run",
    "bench.learning",
]
ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "benchmarks.md"
RUN_ONE = """
import sys, django, importlib
django.setup()
section = importlib.import_module(sys.argv[1]).run()
open(sys.argv[2], "w").write(section)
"""


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def run_suite(name: str) -> str:
    """Each suite gets a fresh process, so its peak memory is its own, not an earlier suite's."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    with tempfile.NamedTemporaryFile(suffix=".md") as section:
        command = [sys.executable, "-c", RUN_ONE, name, section.name]
        subprocess.run(command, cwd=ROOT, env=env, check=True)
        return Path(section.name).read_text()


def speed_probe() -> float:
    """Seconds for a fixed pure-Python loop: the same code's speed on this machine right now.

    A virtual machine's speed drifts with its neighbours (by a third between runs here), so the
    probe, taken before and after the suites, tells a slower machine from slower code."""
    started = time.perf_counter()
    total = 0
    for number in range(10_000_000):
        total += number
    return time.perf_counter() - started


def main() -> None:
    only = sys.argv[1:]
    before = speed_probe()
    sections = []
    for name in SUITES:
        if only and name.rsplit(".", 1)[-1] not in only:
            continue
        print(f"running {name} ...", flush=True)
        sections.append(run_suite(name))
    header = (
        "# Benchmarks\n\nWritten by `make bench`. "
        f"Machine: {machine()}. Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. "
        f"Speed probe (a fixed 10M-step Python loop; lower is faster): {before:.2f} s before the "
        f"suites, {speed_probe():.2f} s after.\n"
    )
    OUTPUT.write_text(header + "\n" + "\n".join(sections))
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
