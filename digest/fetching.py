"""Our HTTP client for feeds: small, strict and unable to reach the inside of the network.

- http and https only; at most FETCH_MAX_REDIRECTS redirects, each one checked like the first.
- The host name is resolved once, every address it resolves to must be public: global unicast,
  outside every block of the IANA special-purpose registries that no feed lives in (loopback,
  private, link-local, carrier-grade NAT, documentation, reserved, cloud metadata...), and for
  IPv6 forms carrying an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) that IPv4
  address must be public too. The socket connects to that checked address, so a DNS answer
  that changes between check and connect (DNS rebinding) cannot smuggle a request inside.
  FETCH_ALLOWED_HOSTS names exceptions.
- A connect timeout and a total deadline for the whole fetch, redirects included: a server that
  drips one byte a second is cut off at the deadline.
- At most FETCH_MAX_BYTES of body after decompression, so a gzip bomb stops at the limit.
- Conditional GET (ETag, Last-Modified): an unchanged feed costs one small 304.
"""

import contextlib
import http.client
import ipaddress
import socket
import threading
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.cache import cache

REDIRECTS = frozenset({301, 302, 303, 307, 308})
READ_SIZE = 64 * 1024


class FetchError(Exception):
    """The feed could not be fetched; the message says why in plain words."""


@dataclass(frozen=True)
class Limits:
    connect_timeout: float
    total_timeout: float
    max_bytes: int
    max_redirects: int
    allowed_hosts: frozenset[str]
    user_agent: str

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            connect_timeout=settings.FETCH_CONNECT_TIMEOUT,
            total_timeout=settings.FETCH_TOTAL_TIMEOUT,
            max_bytes=settings.FETCH_MAX_BYTES,
            max_redirects=settings.FETCH_MAX_REDIRECTS,
            allowed_hosts=frozenset(h.lower() for h in settings.FETCH_ALLOWED_HOSTS),
            user_agent=settings.FETCH_USER_AGENT,
        )


@dataclass(frozen=True)
class Response:
    url: str
    content: bytes = b""
    etag: str = ""
    last_modified: str = ""
    not_modified: bool = False


def fetch(
    url: str, *, etag: str = "", last_modified: str = "", limits: Limits | None = None
) -> Response:
    """GET `url` within the limits; raises FetchError for anything but a 200 or a 304."""
    limits = limits or Limits.from_settings()
    deadline = time.monotonic() + limits.total_timeout
    headers = {"User-Agent": limits.user_agent, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    for _ in range(limits.max_redirects + 1):
        location, response = _get_once(url, headers, limits, deadline)
        if response is not None:
            return response
        url = urljoin(url, location)
    raise FetchError(f"more than {limits.max_redirects} redirects")


def _get_once(
    url: str, headers: dict[str, str], limits: Limits, deadline: float
) -> tuple[str, Response | None]:
    """One request: a final Response, or the Location of a redirect."""
    connection = _connect(url, limits, deadline)
    # Socket timeouts bound each read, not the sum: a server dripping its headers or body a
    # byte at a time is hung up on when the deadline passes, whatever it is sending.
    hung_up = threading.Event()
    watchdog = threading.Timer(
        max(0.0, deadline - time.monotonic()), _hang_up, (connection, hung_up)
    )
    watchdog.start()
    too_slow = FetchError(f"too slow: no complete answer within {limits.total_timeout:g} s")
    try:
        result = _exchange(url, connection, headers, limits)
    except (OSError, http.client.HTTPException) as error:
        if isinstance(error, TimeoutError) or hung_up.is_set():
            raise too_slow from None
        raise FetchError(f"connection failed ({error.__class__.__name__}: {error})") from None
    finally:
        watchdog.cancel()
        connection.close()
    if hung_up.is_set():  # what was read ended because we hung up: it is not the whole answer
        raise too_slow
    return result


def _exchange(
    url: str, connection: http.client.HTTPConnection, headers: dict[str, str], limits: Limits
) -> tuple[str, Response | None]:
    parts = urlsplit(url)
    connection.request(
        "GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), headers=headers
    )
    reply = connection.getresponse()
    if reply.status in REDIRECTS:
        return _location(reply), None
    if reply.status == 304:
        return "", Response(url=url, not_modified=True, **_validators(reply))
    if reply.status != 200:
        raise FetchError(f"HTTP {reply.status} {reply.reason}".strip())
    content = _read_body(reply, limits)
    return "", Response(url=url, content=content, **_validators(reply))


@dataclass(frozen=True)
class Posted:
    """A service's answer to a POST: its status, headers and the start of its body."""

    status: int
    headers: dict[str, str]
    text: str


ANSWER_BYTES = 4096  # of a POST's answer: enough for an error message, no more


def post_json(url: str, payload: bytes, timeout: float, limits: Limits | None = None) -> Posted:
    """POST `payload` (JSON) to `url` through the same checks as a fetch (http(s), public
    addresses only unless allowed, the checked address pinned), never following a redirect.

    Raises FetchError when the URL is refused, OSError or HTTPException when there is no answer.
    """
    limits = limits or Limits.from_settings()
    connection = _connect(url, limits, time.monotonic() + timeout)
    parts = urlsplit(url)
    headers = {"User-Agent": limits.user_agent, "Content-Type": "application/json"}
    # As for a fetch: a service dripping its answer is hung up on when the time is over.
    watchdog = threading.Timer(timeout, _hang_up, (connection, threading.Event()))
    watchdog.start()
    try:
        connection.request(
            "POST",
            (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
            body=payload,
            headers=headers,
        )
        reply = connection.getresponse()
        text = reply.read(ANSWER_BYTES).decode("utf-8", "replace")
        return Posted(reply.status, {k.lower(): v for k, v in reply.getheaders()}, text)
    finally:
        watchdog.cancel()
        connection.close()


def _hang_up(connection: "_PinnedHTTPConnection", hung_up: threading.Event) -> None:
    hung_up.set()
    sock = getattr(connection, "pinned", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _connect(url: str, limits: Limits, deadline: float) -> "_PinnedHTTPConnection":
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"only http:// and https:// URLs can be fetched, not {url!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchError(f"bad port in {url!r}") from None
    address = checked_address(parts.hostname, port, limits.allowed_hosts)
    timeout = max(0.001, min(limits.connect_timeout, deadline - time.monotonic()))
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    return kind(parts.hostname, port, address=address, timeout=timeout, deadline=deadline)


def checked_address(host: str, port: int, allowed_hosts: frozenset[str]) -> str:
    """The address to connect to, after checking every address `host` resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(f"cannot resolve {host} ({error})") from None
    addresses = [info[4][0] for info in infos]
    if host.lower() not in allowed_hosts:
        for address in addresses:
            if not _is_public(address):
                raise FetchError(f"refused: {host} resolves to a non-public address ({address})")
    return addresses[0]


def _networks(*blocks: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(block) for block in blocks)


# The IANA special-purpose IPv4 blocks no feed is served from, multicast and the reserved 240/4
# (which holds the broadcast address). Written out rather than taken from `is_global`, whose
# table changes between Python releases (3.11.7 calls 192.0.0.9 and 192.88.99.1 global).
_NOT_PUBLIC_IPV4 = _networks(
    "0.0.0.0/8",  # "this network"
    "10.0.0.0/8",
    "100.64.0.0/10",  # carrier-grade NAT
    "127.0.0.0/8",
    "169.254.0.0/16",  # link-local, cloud metadata
    "172.16.0.0/12",
    "192.0.0.0/24",  # IETF protocol assignments: DS-Lite, NAT64 discovery, PCP, TURN
    "192.0.2.0/24",
    "192.88.99.0/24",  # the deprecated 6to4 relay anycast
    "192.168.0.0/16",
    "198.18.0.0/15",  # benchmarking
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved, and 255.255.255.255
)
# IPv6 must be global unicast (2000::/3), outside these special blocks within it.
_GLOBAL_UNICAST_IPV6 = ipaddress.ip_network("2000::/3")
_NOT_PUBLIC_IPV6 = _networks("2001::/23", "2001:db8::/32", "3fff::/20")
# Transition forms carry an IPv4 address that a gateway or relay would forward to.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # 64:ff9b:1::/48 is local-use: refused outright
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _is_public(address: str) -> bool:
    """Whether a feed may be fetched from `address`: a global unicast address, and for the IPv6
    forms that embed IPv4 addresses (mapped, compatible, NAT64, 6to4, Teredo), each of them is."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv4Address):
        return not any(ip in block for block in _NOT_PUBLIC_IPV4)
    embedded = _embedded_ipv4(ip)
    if embedded:
        return all(_is_public(str(inner)) for inner in embedded)
    return ip in _GLOBAL_UNICAST_IPV6 and not any(ip in block for block in _NOT_PUBLIC_IPV6)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    if ip.ipv4_mapped is not None:
        return (ip.ipv4_mapped,)
    if ip.teredo is not None:
        return ip.teredo  # the Teredo server and the client behind it
    if ip.sixtofour is not None:
        return (ip.sixtofour,)
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:  # :: and ::1 embed 0.0.0.0 and 0.0.0.1
        return (ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF),)
    return ()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever the name resolves to now."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float, deadline: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address
        self.deadline = deadline

    def _pinned_socket(self) -> socket.socket:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        sock.settimeout(_remaining(self.deadline))
        return sock

    def connect(self) -> None:
        self.sock = self.pinned = self._pinned_socket()


class _PinnedHTTPSConnection(_PinnedHTTPConnection, http.client.HTTPSConnection):
    def connect(self) -> None:
        sock = self._pinned_socket()
        self.sock = self.pinned = self._context.wrap_socket(sock, server_hostname=self.host)


def _read_body(reply: http.client.HTTPResponse, limits: Limits) -> bytes:
    declared = reply.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > limits.max_bytes:
        raise FetchError(f"too big: {int(declared):,} bytes (the limit is {limits.max_bytes:,})")
    encoding = reply.getheader("Content-Encoding") or ""
    decoder = _decoder(encoding)
    body = bytearray()
    try:
        while chunk := reply.read1(READ_SIZE):
            room = limits.max_bytes + 1 - len(body)
            body += decoder.decompress(chunk, room) if decoder else chunk
            if len(body) > limits.max_bytes or (decoder and decoder.unconsumed_tail):
                raise FetchError(f"too big: more than {limits.max_bytes:,} bytes")
        if decoder:
            body += decoder.flush()
    except zlib.error as error:
        raise FetchError(f"the body is not valid {encoding.strip()} ({error})") from None
    if decoder and not decoder.eof:
        raise FetchError(f"the {encoding.strip()} body is cut short")
    return bytes(body)


def _decoder(encoding: str) -> "zlib._Decompress | None":
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip", "deflate"):
        # 47 = 32 + 15: zlib detects a gzip or zlib header itself.
        return zlib.decompressobj(47)
    raise FetchError(f"unsupported Content-Encoding {encoding!r}")


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    return remaining


def _location(reply: http.client.HTTPResponse) -> str:
    location = reply.getheader("Location")
    if not location:
        raise FetchError(f"HTTP {reply.status} redirect without a Location")
    return location


def _validators(reply: http.client.HTTPResponse) -> dict[str, str]:
    return {
        "etag": reply.getheader("ETag") or "",
        "last_modified": reply.getheader("Last-Modified") or "",
    }


def wait_before_fetching(url: str) -> float:
    """Seconds to wait before fetching `url`, 0 to go now. arXiv asks API clients for at most one
    request every ARXIV_API_INTERVAL seconds; the slot is shared by every worker via the cache."""
    if urlsplit(url).hostname != "export.arxiv.org":
        return 0.0
    interval = settings.ARXIV_API_INTERVAL
    return 0.0 if cache.add("fetch:arxiv-api-slot", 1, timeout=interval) else float(interval)


def wait_for_turn(url: str) -> None:
    """Block until `url` may be fetched (for the command line and in-process tasks)."""
    while wait := wait_before_fetching(url):
        time.sleep(wait)
