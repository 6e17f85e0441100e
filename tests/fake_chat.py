"""Fake chat services on 127.0.0.1: Slack, Discord and Microsoft Teams incoming webhooks and a
generic JSON webhook, each at its own path, checking each request as its service would (shape
and size limits: a malformed post gets the service's 400 or 413) and answering as a test
scripts it: accepted, 429 (Slack and Teams with Retry-After, Discord with its JSON body), a 5xx,
or held unanswered until released. It records every request it receives.
"""

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.serving import serving

PATHS = {
    "slack": "/services/T0001/B0001/secretslacktoken",
    "discord": "/api/webhooks/1234/secretdiscordtoken",
    "teams": "/workflows/abcd/triggers/manual/paths/invoke?sig=secretteams",
    "webhook": "/hooks/papers?key=secretgeneric",
}


@dataclass(frozen=True)
class Answer:
    status: int = 0  # 0: the service's own success status
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # never answer: hold the request until released, then hang up


def throttled(kind: str, seconds: float) -> Answer:
    """A 429 as the service sends it: Discord says how long in JSON, the others in a header."""
    if kind == "discord":
        body = json.dumps({"message": "You are being rate limited.", "retry_after": seconds})
        return Answer(429, body)
    return Answer(429, "rate_limited", {"Retry-After": str(int(seconds))})


def _slack(payload: dict) -> str | None:
    blocks = payload.get("blocks")
    if not isinstance(payload.get("text"), str) or not isinstance(blocks, list):
        return "invalid_payload"
    if not 0 < len(blocks) <= 50:
        return "invalid_blocks"
    for block in blocks:
        text = block.get("text", {}).get("text", "")
        if block.get("type") not in ("header", "section") or not text:
            return "invalid_blocks"
        if len(text) > (150 if block["type"] == "header" else 3000):
            return "invalid_blocks"
    return None


def _discord(payload: dict) -> str | None:
    embeds = payload.get("embeds", [])
    if len(payload.get("content", "")) > 2000 or not 0 < len(embeds) <= 10:
        return '{"code": 50035, "message": "Invalid Form Body"}'
    total = 0
    for embed in embeds:
        title, description = embed.get("title", ""), embed.get("description", "")
        if len(title) > 256 or len(description) > 4096:
            return '{"code": 50035, "message": "Invalid Form Body"}'
        total += len(title) + len(description)
    if total > 6000:
        return '{"code": 50035, "message": "Embed size exceeds maximum size of 6000"}'
    return None


def _teams(payload: dict) -> str | None:
    attachments = payload.get("attachments")
    if payload.get("type") != "message" or not isinstance(attachments, list) or not attachments:
        return "Bad payload"
    for attachment in attachments:
        card = attachment.get("content", {})
        if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
            return "Bad payload"
        if card.get("type") != "AdaptiveCard" or not card.get("body"):
            return "Bad payload"
    return None


def _generic(payload: dict) -> str | None:
    if not isinstance(payload.get("papers"), list) or not isinstance(payload.get("text"), str):
        return "Bad payload"
    return None


def titles(payload: dict, kind: str) -> list[str]:
    """The paper titles a payload carries, read as each service shows them."""
    if kind == "slack":
        return [b["text"]["text"].split("|", 1)[1].split(">*")[0] for b in payload["blocks"][1:]]
    if kind == "discord":
        return [embed["title"] for embed in payload["embeds"]]
    if kind == "teams":
        containers = payload["attachments"][0]["content"]["body"][1:]
        return [container["items"][0]["text"] for container in containers]
    return [paper["title"] for paper in payload["papers"]]


@dataclass(frozen=True)
class Service:
    check: Callable[[dict], str | None]
    accepted: int  # the service's success status
    max_bytes: int  # a bigger body gets 413


SERVICES = {
    "slack": Service(_slack, 200, 3_000_000),
    "discord": Service(_discord, 204, 8_000_000),
    "teams": Service(_teams, 202, 28_000),
    "webhook": Service(_generic, 200, 10_000_000),
}


@dataclass
class Request:
    kind: str
    payload: dict
    status: int


class FakeChat:
    """Answers request number n (from 1) with `script[n]`, every other with the service's
    success (or its 400 or 413 when the request is malformed)."""

    def __init__(self) -> None:
        self.script: dict[int, Answer] = {}
        self.requests: list[Request] = []
        self.count = 0
        self.hung = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    def url(self, kind: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{PATHS[kind]}"

    def accepted(self) -> list[dict]:
        """The payloads the services accepted, in order."""
        return [r.payload for r in self.requests if r.status in (200, 202, 204)]

    def _answer(self, kind: str, body: bytes) -> Answer:
        service = SERVICES[kind]
        with self._lock:
            self.count += 1
            scripted = self.script.get(self.count)
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        if scripted is None:
            error = "too large" if len(body) > service.max_bytes else service.check(payload)
            status = 400 if error and error != "too large" else 413 if error else service.accepted
            scripted = Answer(status, error or ("ok" if kind == "slack" else ""))
        status = scripted.status or service.accepted
        with self._lock:
            self.requests.append(Request(kind, payload, 0 if scripted.hang else status))
        return replace(scripted, status=status)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self
        kinds = {path.split("?")[0]: kind for kind, path in PATHS.items()}

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                kind = kinds.get(self.path.split("?")[0])
                if kind is None or self.headers.get("Content-Type") != "application/json":
                    self._reply(Answer(404, "no_service"))
                    return
                answer = fake._answer(kind, body)
                if answer.hang:
                    fake.hung.set()
                    fake.release.wait(timeout=60)
                    self.close_connection = True
                    return
                self._reply(answer)

            def _reply(self, answer: Answer) -> None:
                data = answer.body.encode()
                self.send_response(answer.status)
                self.send_header("Content-Length", str(len(data)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


@contextmanager
def fake_chat() -> Iterator[FakeChat]:
    """A running FakeChat, stopped (and any held request released) on exit."""
    fake = FakeChat()
    with serving(fake._server, fake.release):
        yield fake
