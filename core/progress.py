"""A progress bar for management commands, drawn on stderr only when it is a terminal: piped or
redirected (cron, CI, a log file), a command prints its plain summary lines and nothing else."""

from django.core.management.base import OutputWrapper

WIDTH = 30
# Runs shorter than this are over before a bar would tell anyone anything.
MIN_STEPS = 3


def progress(stream: OutputWrapper, done: int, total: int) -> None:
    """Draw (or redraw in place) the bar at `done` of `total`; at the end, finish the line."""
    if total < MIN_STEPS or not stream.isatty():
        return
    filled = WIDTH * done // total
    end = "\n" if done == total else ""
    stream.write(f"\r[{'#' * filled}{' ' * (WIDTH - filled)}] {done}/{total}", ending=end)
    stream.flush()
