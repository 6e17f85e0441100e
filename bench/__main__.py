"""`make bench`: run every benchmark and write their tables to docs/benchmarks.md.

Each module listed in SUITES has `run() -> str`, returning a Markdown section. Benchmarks measure
ratios against a baseline taken in the same run, so a slow or busy machine shows in both.
"""

import importlib
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

import django

SUITES: list[str] = ["bench.digests", "bench.matching", "bench.ingest", "bench.sending"]
OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


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


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    only = sys.argv[1:]
    sections = []
    for name in SUITES:
        if only and name.rsplit(".", 1)[-1] not in only:
            continue
        print(f"running {name} ...", flush=True)
        sections.append(importlib.import_module(name).run())
    header = (
        "# Benchmarks\n\nWritten by `make bench`. "
        f"Machine: {machine()}. Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.\n"
    )
    OUTPUT.write_text(header + "\n" + "\n".join(sections))
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
