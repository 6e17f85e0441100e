"""A light fake Postmark for the sending benchmark, in a process of its own.

It shares the 2 cores with the workers and PostgreSQL, so it does only what an answer needs:
read one request (keep-alive), echo its recipient with a message id made from its count, count
it. The tests' fake (tests/fake_postmark.py) scripts errors and records requests; this one
accepts everything.
"""

import asyncio
import multiprocessing
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized

LENGTH = re.compile(rb"content-length: *(\d+)", re.IGNORECASE)


# The request's "To" as it was sent (a JSON string): echoing it needs no parse of the whole body,
# which is mostly the digest's HTML and would cost the shared cores more than the answer.
TO = re.compile(rb'"To": *("(?:[^"\\]|\\.)*")')


def _reply(body: bytes, number: int) -> bytes:
    data = (
        b'{"ErrorCode": 0, "Message": "OK", "To": %s, "MessageID": "%08x-0000-4000-8000-%012x"}'
        % (TO.search(body).group(1), number >> 48, number)
    )
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d" % len(data)
    return head + b"\r\n\r\n" + data


async def _serve_connection(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, count: Synchronized
) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            body = await reader.readexactly(int(LENGTH.search(head).group(1)))
            with count.get_lock():
                count.value += 1
                number = count.value
            writer.write(_reply(body, number))
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


def _serve(listening: socket.socket, count: Synchronized) -> None:
    async def main() -> None:
        server = await asyncio.start_server(
            lambda r, w: _serve_connection(r, w, count), sock=listening
        )
        await server.serve_forever()

    asyncio.run(main())


@dataclass
class LightPostmark:
    url: str
    _count: Synchronized
    pid: int

    @property
    def count(self) -> int:
        return self._count.value

    def environment(self) -> dict[str, str]:
        """What a worker needs to send through this fake with Anymail's Postmark backend."""
        return {
            "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend",
            "ANYMAIL_POSTMARK_SERVER_TOKEN": "fake-token",
            "ANYMAIL_POSTMARK_API_URL": self.url,
        }


@contextmanager
def light_postmark() -> Iterator[LightPostmark]:
    """A running LightPostmark on 127.0.0.1, stopped on exit."""
    listening = socket.create_server(("127.0.0.1", 0))
    count = multiprocessing.Value("q", 0)
    server = multiprocessing.get_context("fork").Process(
        target=_serve, args=(listening, count), daemon=True
    )
    server.start()
    try:
        yield LightPostmark(f"http://127.0.0.1:{listening.getsockname()[1]}/", count, server.pid)
    finally:
        server.terminate()
        server.join()
        listening.close()
