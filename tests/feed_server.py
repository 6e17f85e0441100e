"""A tiny HTTP server on 127.0.0.1 for fetch and post tests: each path is one behaviour."""

import gzip
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = Callable[[BaseHTTPRequestHandler], None]


def body(content: bytes, *, etag: str = "", content_type: str = "application/xml") -> Route:
    """200 with `content`, or 304 when the client already holds `etag`."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        if etag and handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            handler.end_headers()
            return
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(content)))
        if etag:
            handler.send_header("ETag", etag)
        handler.end_headers()
        handler.wfile.write(content)

    return respond


def gzipped(content: bytes) -> Route:
    return encoded(gzip.compress(content), "gzip")


def encoded(packed: bytes, encoding: str) -> Route:
    """A 200 whose body is sent as it is, labelled with Content-Encoding `encoding`."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Encoding", encoding)
        handler.send_header("Content-Length", str(len(packed)))
        handler.end_headers()
        handler.wfile.write(packed)

    return respond


def unannounced(content: bytes) -> Route:
    """A body with no Content-Length: only reading it shows how big it is."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.end_headers()
        handler.wfile.write(content)
        handler.close_connection = True

    return respond


def _trickle(handler: BaseHTTPRequestHandler, byte: bytes, every: float, stop: threading.Event):
    """Write `byte` every `every` seconds until the client hangs up or the test ends."""
    try:
        while not stop.is_set():
            handler.wfile.write(byte)
            handler.wfile.flush()
            stop.wait(every)
    except OSError:
        pass


def drip(every: float, stop: threading.Event) -> Route:
    """A 200 response whose body comes one byte every `every` seconds."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.end_headers()
        _trickle(handler, b" ", every, stop)

    return respond


def drip_headers(every: float, stop: threading.Event) -> Route:
    """A status line, then one header byte every `every` seconds: the body never starts."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        try:
            handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        except OSError:
            return
        _trickle(handler, b"z", every, stop)

    return respond


def redirect(location: str) -> Route:
    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return respond


def status(code: int) -> Route:
    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(code)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return respond


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.bodies: list[bytes] = []  # of POST requests
        self.stop = threading.Event()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def feed_server(tls: ssl.SSLContext | None = None) -> Iterator[FeedServer]:
    """The server, speaking HTTPS with `tls` (a server-side context) when given one."""
    server = FeedServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append((self.path, dict(self.headers)))
            server.routes.get(self.path, status(404))(self)

        def do_POST(self) -> None:
            server.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            self.do_GET()

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    if tls:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        httpd.shutdown()
        httpd.server_close()
