"""Running a test's fake HTTP service on a thread: the fakes (fake_postmark, fake_chat) share it."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer


@contextmanager
def serving(server: ThreadingHTTPServer, release: threading.Event) -> Iterator[None]:
    """Serves until exit, then lets any held request go (`release`) and closes the server."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        release.set()
        server.shutdown()
        server.server_close()
