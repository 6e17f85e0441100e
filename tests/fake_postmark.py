"""A fake Postmark on 127.0.0.1: speaks Postmark's send API (POST /email) so Anymail's real
Postmark backend talks to it, and answers as a test scripts it: accepted, 429 with Retry-After,
a 5xx, a refused recipient, slowly, or not at all. It records every request it receives.

Used by the sending tests and the sending benchmark (which needs it light: no per-request log).
"""

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.serving import serving


@dataclass(frozen=True)
class Answer:
    status: int = 200
    error_code: int = 0
    message: str = "OK"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # answer after this many seconds
    hang: bool = False  # never answer: hold the request until released, then hang up


ACCEPT = Answer()


def throttled(retry_after: str) -> Answer:
    return Answer(429, 429, "Rate limit exceeded.", {"Retry-After": retry_after})


def server_error(status: int = 503) -> Answer:
    return Answer(status, status, "Service unavailable.")


def invalid_recipient(address: str) -> Answer:
    return Answer(422, 300, f"Invalid 'To' address: '{address}'.")


@dataclass
class Request:
    to: str
    metadata: dict
    at: float
    answer: Answer


class FakePostmark:
    """Answers request number n (from 1) with `script[n]`, every other request with `default`."""

    def __init__(self, record: bool = True) -> None:
        self.script: dict[int, Answer] = {}
        self.default = ACCEPT
        self.record = record
        self.requests: list[Request] = []
        self.count = 0
        self.hung = threading.Event()  # set when a request is being held unanswered
        self.release = threading.Event()  # set by the test to let held requests go
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def environment(self) -> dict[str, str]:
        """What a worker needs to send through this fake with Anymail's Postmark backend."""
        return {
            "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend",
            "ANYMAIL_POSTMARK_SERVER_TOKEN": "fake-token",
            "ANYMAIL_POSTMARK_API_URL": self.url,
        }

    def accepted(self) -> Counter:
        """How many times each address was accepted for delivery."""
        return Counter(r.to for r in self.requests if r.answer.status == 200 and not r.answer.hang)

    def received(self) -> Counter:
        """How many times each address was received, whatever the answer (held ones too)."""
        return Counter(r.to for r in self.requests)

    def _next(self, payload: dict) -> Answer:
        with self._lock:
            self.count += 1
            answer = self.script.get(self.count, self.default)
            if self.record:
                metadata = payload.get("Metadata", {})
                self.requests.append(Request(payload["To"], metadata, time.time(), answer))
        return answer

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Postmark and Anymail's session use
            # Headers and body go out in two writes: without this, Nagle's algorithm holds the
            # body until the client's delayed ACK, 40 ms per request.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                payload = json.loads(body)
                answer = fake._next(payload)
                if answer.hang:
                    fake.hung.set()
                    fake.release.wait(timeout=60)
                    self.close_connection = True
                    return
                if answer.delay:
                    fake.release.wait(timeout=answer.delay)
                self._answer(answer, payload)

            def _answer(self, answer: Answer, payload: dict) -> None:
                reply = {"ErrorCode": answer.error_code, "Message": answer.message}
                if answer.status == 200:
                    reply.update(To=payload["To"], MessageID=str(uuid.uuid4()))
                data = json.dumps(reply).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet: tests and the benchmark read the records instead

        return Handler


@contextmanager
def fake_postmark(record: bool = True) -> Iterator[FakePostmark]:
    """A running FakePostmark, stopped (and any held request released) on exit."""
    fake = FakePostmark(record)
    with serving(fake._server, fake.release):
        yield fake
