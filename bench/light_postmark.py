"""A light fake Postmark for the sending benchmark, in a process of its own.

It shares the 2 cores with the workers and PostgreSQL, so it does only what an answer needs:
read one request (keep-alive), echo its recipient with a new message id, count it. The tests'
fake (tests/fake_postmark.py) scripts errors and records requests; this one accepts everything.
"""

import asyncio
import json
import multiprocessing
import re
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized

LENGTH = re.compile(rb"content-length: *(\d+)", re.IGNORECASE)


def _reply(body: bytes) -> bytes:
    answer = {"ErrorCode": 0, "Message": "OK", "To": json.loads(body)["To"]}
    data = json.dumps({**answer, "MessageID": str(uuid.uuid4())}).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(data)}"
    return f"{head}\r\n\r\n".encode() + data


async def _serve_connection(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, count: Synchronized
) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            writer.write(_reply(await reader.readexactly(int(LENGTH.search(head).group(1)))))
            with count.get_lock():
                count.value += 1
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
        yield LightPostmark(f"http://127.0.0.1:{listening.getsockname()[1]}/", count)
    finally:
        server.terminate()
        server.join()
        listening.close()
