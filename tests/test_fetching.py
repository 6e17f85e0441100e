"""The feed fetcher against a real HTTP server on 127.0.0.1, with tiny limits."""

import gzip
import socket
from collections.abc import Iterator

import pytest
import trustme
from pydantic import ValidationError

from config.env import Env, describe
from digest.fetching import FetchError, Limits, fetch, wait_before_fetching
from tests import feed_server as serve
from tests import tls

FEED = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"


def limits(**changes: object) -> Limits:
    values = {
        "connect_timeout": 1.0,
        "total_timeout": 2.0,
        "max_bytes": 10_000,
        "max_redirects": 2,
        "allowed_hosts": frozenset({"127.0.0.1"}),
        "user_agent": "papers-digest-test",
    }
    return Limits(**{**values, **changes})


@pytest.fixture
def server() -> Iterator[serve.FeedServer]:
    with serve.feed_server() as running:
        yield running


def test_it_fetches_a_feed_and_says_who_it_is(server):
    server.routes["/feed"] = serve.body(FEED, etag='"v1"')
    response = fetch(server.url("/feed"), limits=limits())
    assert response.content == FEED
    assert response.etag == '"v1"'
    assert server.requests[0][1]["User-Agent"] == "papers-digest-test"


def test_an_unchanged_feed_costs_one_304(server):
    server.routes["/feed"] = serve.body(FEED, etag='"v1"')
    response = fetch(server.url("/feed"), etag='"v1"', limits=limits())
    assert response.not_modified
    assert response.content == b""
    assert server.requests[0][1]["If-None-Match"] == '"v1"'


def test_it_decompresses_gzip(server):
    server.routes["/feed"] = serve.gzipped(FEED)
    assert fetch(server.url("/feed"), limits=limits()).content == FEED


@pytest.mark.parametrize(
    ("packed", "encoding", "reason"),
    [
        (b"this is not gzip at all", "gzip", "not valid gzip"),
        (b"\x78\x9c junk", "deflate", "not valid deflate"),
        (gzip.compress(FEED)[:-12], "gzip", "gzip body is cut short"),
    ],
    ids=["junk gzip", "junk deflate", "truncated gzip"],
)
def test_a_body_that_does_not_decompress_is_a_fetch_error(server, packed, encoding, reason):
    server.routes["/feed"] = serve.encoded(packed, encoding)
    with pytest.raises(FetchError, match=reason):
        fetch(server.url("/feed"), limits=limits())


def test_it_refuses_a_body_declared_too_big(server):
    server.routes["/big"] = serve.body(b"x" * 20_000)
    with pytest.raises(FetchError, match="too big"):
        fetch(server.url("/big"), limits=limits())


def test_it_stops_reading_an_undeclared_body_at_the_limit(server):
    server.routes["/big"] = serve.unannounced(b"x" * 50_000)
    with pytest.raises(FetchError, match="too big"):
        fetch(server.url("/big"), limits=limits())


def test_a_gzip_bomb_stops_at_the_limit_after_decompression(server):
    server.routes["/bomb"] = serve.gzipped(b"\0" * 5_000_000)  # about 5 KB on the wire
    with pytest.raises(FetchError, match="too big"):
        fetch(server.url("/bomb"), limits=limits())


def test_a_slow_drip_is_cut_off_at_the_total_deadline(server):
    server.routes["/slow"] = serve.drip(0.02, server.stop)
    with pytest.raises(FetchError, match="too slow"):
        fetch(server.url("/slow"), limits=limits(total_timeout=0.3, max_bytes=10**9))


def test_headers_dripped_a_byte_at_a_time_are_cut_off_at_the_total_deadline(server):
    server.routes["/slow-headers"] = serve.drip_headers(0.02, server.stop)
    with pytest.raises(FetchError, match="too slow"):
        fetch(server.url("/slow-headers"), limits=limits(total_timeout=0.3))


def test_a_redirect_loop_ends_after_the_redirect_limit(server):
    server.routes["/a"] = serve.redirect("/b")
    server.routes["/b"] = serve.redirect("/a")
    with pytest.raises(FetchError, match="more than 2 redirects"):
        fetch(server.url("/a"), limits=limits())
    assert len(server.requests) == 3


def test_it_follows_a_redirect_within_the_limit(server):
    server.routes["/old"] = serve.redirect("/feed")
    server.routes["/feed"] = serve.body(FEED)
    response = fetch(server.url("/old"), limits=limits())
    assert response.content == FEED
    assert response.url.endswith("/feed")


def test_an_http_error_is_a_failure_naming_the_status(server):
    server.routes["/gone"] = serve.status(410)
    with pytest.raises(FetchError, match="HTTP 410"):
        fetch(server.url("/gone"), limits=limits())


def test_loopback_is_refused_unless_the_host_is_allowed(server):
    server.routes["/feed"] = serve.body(FEED)
    with pytest.raises(FetchError, match="non-public address"):
        fetch(server.url("/feed"), limits=limits(allowed_hosts=frozenset()))
    assert server.requests == []


def test_a_redirect_to_a_private_address_is_refused(server):
    server.routes["/away"] = serve.redirect("http://10.0.0.1/feed")
    with pytest.raises(FetchError, match=r"non-public address \(10\.0\.0\.1\)"):
        fetch(server.url("/away"), limits=limits())


def test_https_is_verified_against_the_name_in_the_url(monkeypatch, tmp_path):
    ca = trustme.CA()
    tls.resolve_to_loopback(monkeypatch)
    monkeypatch.setenv("SSL_CERT_FILE", tls.trust(ca, tmp_path))
    names = limits(allowed_hosts=frozenset({"feeds.example.test", "other.example.test"}))
    with serve.feed_server(tls.server_context(ca, "feeds.example.test")) as server:
        server.routes["/feed"] = serve.body(FEED)
        fetched = fetch(f"https://feeds.example.test:{server.port}/feed", limits=names)
        # The same server and address under another name, which its certificate does not bear.
        with pytest.raises(FetchError, match="Hostname mismatch"):
            fetch(f"https://other.example.test:{server.port}/feed", limits=names)

    assert fetched.content == FEED


def test_https_from_an_unknown_authority_is_refused(monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    tls.resolve_to_loopback(monkeypatch)
    names = limits(allowed_hosts=frozenset({"feeds.example.test"}))
    with serve.feed_server(tls.server_context(trustme.CA(), "feeds.example.test")) as server:
        server.routes["/feed"] = serve.body(FEED)
        with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"):
            fetch(f"https://feeds.example.test:{server.port}/feed", limits=names)

    assert server.requests == []


def test_other_schemes_are_refused():
    for url in ("file:///etc/passwd", "ftp://example.com/feed", "gopher://x/"):
        with pytest.raises(FetchError, match="only http"):
            fetch(url, limits=limits())


class Resolver:
    """Name resolution through a stub, and a socket layer that records any connection attempt."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, address: str) -> None:
        self.attempts: list[object] = []
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        monkeypatch.setattr(
            socket,
            "getaddrinfo",
            lambda host, port, *a, **k: [(family, socket.SOCK_STREAM, 6, "", (address, port))],
        )
        monkeypatch.setattr(socket, "create_connection", self.refuse)

    def refuse(self, address: object, *args: object, **kwargs: object) -> None:
        self.attempts.append(address)
        raise ConnectionRefusedError("the test forbids connections")


# The IANA IPv4 and IPv6 special-purpose address registries, block by block, with multicast and
# a few ordinary addresses: (block, an address in it, whether a feed may be fetched from it).
SPECIAL_PURPOSE = [
    ("0.0.0.0/8 this network", "0.1.2.3", False),
    ("0.0.0.0/32 this host", "0.0.0.0", False),
    ("10.0.0.0/8 private", "10.0.0.1", False),
    ("100.64.0.0/10 shared (CGNAT)", "100.64.0.1", False),
    ("127.0.0.0/8 loopback", "127.0.0.1", False),
    ("169.254.0.0/16 link-local, metadata", "169.254.169.254", False),
    ("172.16.0.0/12 private", "172.16.0.5", False),
    ("192.0.0.0/24 IETF protocol assignments", "192.0.0.100", False),
    ("192.0.0.0/29 DS-Lite", "192.0.0.2", False),
    ("192.0.0.8/32 IPv4 dummy", "192.0.0.8", False),
    ("192.0.0.9/32 PCP anycast", "192.0.0.9", False),
    ("192.0.0.10/32 TURN anycast", "192.0.0.10", False),
    ("192.0.0.170/32 NAT64 discovery", "192.0.0.170", False),
    ("192.0.0.171/32 NAT64 discovery", "192.0.0.171", False),
    ("192.0.2.0/24 TEST-NET-1", "192.0.2.1", False),
    ("192.31.196.0/24 AS112-v4", "192.31.196.1", True),
    ("192.52.193.0/24 AMT", "192.52.193.1", True),
    ("192.88.99.0/24 6to4 relay anycast", "192.88.99.1", False),
    ("192.168.0.0/16 private", "192.168.1.20", False),
    ("192.175.48.0/24 AS112 direct delegation", "192.175.48.1", True),
    ("198.18.0.0/15 benchmarking", "198.19.0.1", False),
    ("198.51.100.0/24 TEST-NET-2", "198.51.100.1", False),
    ("203.0.113.0/24 TEST-NET-3", "203.0.113.1", False),
    ("224.0.0.0/4 multicast", "224.0.0.1", False),
    ("224.0.0.0/4 multicast (SSDP)", "239.255.255.250", False),
    ("240.0.0.0/4 reserved", "240.0.0.1", False),
    ("255.255.255.255/32 limited broadcast", "255.255.255.255", False),
    ("a global IPv4 address", "93.184.215.14", True),
    ("::1/128 loopback", "::1", False),
    ("::/128 unspecified", "::", False),
    ("::ffff:0:0/96 IPv4-mapped, private", "::ffff:10.0.0.1", False),
    ("::ffff:0:0/96 IPv4-mapped, metadata", "::ffff:169.254.169.254", False),
    ("::ffff:0:0/96 IPv4-mapped, global", "::ffff:93.184.215.14", True),
    ("::/96 IPv4-compatible, private", "::10.0.0.1", False),
    ("::/96 IPv4-compatible, global", "::93.184.215.14", True),
    ("64:ff9b::/96 NAT64, private", "64:ff9b::10.0.0.1", False),
    ("64:ff9b::/96 NAT64, metadata", "64:ff9b::169.254.169.254", False),
    ("64:ff9b::/96 NAT64, 192.0.0.0/24", "64:ff9b::192.0.0.9", False),
    ("64:ff9b::/96 NAT64, global", "64:ff9b::93.184.215.14", True),
    ("64:ff9b:1::/48 local-use NAT64", "64:ff9b:1::5db8:d70e", False),
    ("100::/64 discard-only", "100::1", False),
    ("100:0:0:1::/64 dummy prefix", "100:0:0:1::1", False),
    ("2001::/23 IETF protocol assignments", "2001:2::1", False),
    ("2001:1::1/128 PCP anycast", "2001:1::1", False),
    ("2001:3::/32 AMT", "2001:3::1", False),
    ("2001:4:112::/48 AS112-v6", "2001:4:112::1", False),
    ("2001:20::/28 ORCHIDv2", "2001:20::1", False),
    ("2001::/32 Teredo, private client", "2001:0:4136:e378::f5ff:fffe", False),
    ("2001::/32 Teredo, private server", "2001:0:c0a8:101::a247:27dd", False),
    ("2001::/32 Teredo, global server and client", "2001:0:4136:e378::a247:27dd", True),
    ("2001:db8::/32 documentation", "2001:db8::1", False),
    ("2002::/16 6to4, private", "2002:a00:1::1", False),
    ("2002::/16 6to4, loopback", "2002:7f00:1::1", False),
    ("2002::/16 6to4, global", "2002:5db8:d70e::1", True),
    ("2620:4f:8000::/48 AS112 direct delegation", "2620:4f:8000::1", True),
    ("3fff::/20 documentation", "3fff::1", False),
    ("5f00::/16 SRv6 SIDs", "5f00::1", False),
    ("fc00::/7 unique local", "fd00:ec2::254", False),
    ("fe80::/10 link-local", "fe80::1", False),
    ("fe80::/10 link-local with a zone", "fe80::1%eth0", False),
    ("fec0::/10 site-local (deprecated)", "fec0::1", False),
    ("ff00::/8 multicast", "ff02::1", False),
    ("a global IPv6 address", "2606:4700::1111", True),
]


@pytest.mark.parametrize(
    ("address", "fetchable"),
    [(address, fetchable) for _, address, fetchable in SPECIAL_PURPOSE],
    ids=[block for block, _, _ in SPECIAL_PURPOSE],
)
def test_only_global_unicast_addresses_are_connected_to(monkeypatch, address, fetchable):
    resolver = Resolver(monkeypatch, address)
    expected = "connection failed" if fetchable else "non-public address"
    with pytest.raises(FetchError, match=expected):
        fetch("https://feeds.example.com/rss", limits=limits(allowed_hosts=frozenset()))
    assert resolver.attempts == ([(address, 443)] if fetchable else [])


def test_it_connects_to_the_address_it_checked(monkeypatch):
    resolver = Resolver(monkeypatch, "93.184.215.14")
    with pytest.raises(FetchError, match="connection failed"):
        fetch("http://feeds.example.com/rss", limits=limits())
    assert resolver.attempts == [("93.184.215.14", 80)]


def test_an_allowed_host_may_resolve_to_a_private_address(monkeypatch):
    resolver = Resolver(monkeypatch, "10.1.2.3")
    allowed = frozenset({"mirror.internal"})
    with pytest.raises(FetchError, match="connection failed"):
        fetch("http://mirror.internal/rss", limits=limits(allowed_hosts=allowed))
    assert resolver.attempts == [("10.1.2.3", 80)]


def test_arxiv_api_requests_are_spaced_for_every_worker(settings):
    settings.ARXIV_API_INTERVAL = 3
    api = "https://export.arxiv.org/api/query?id_list=2611.00042"
    assert wait_before_fetching(api) == 0
    assert wait_before_fetching(api) == 3
    assert wait_before_fetching("https://rss.arxiv.org/rss/cs.LG") == 0


def test_a_limit_of_zero_bytes_stops_start_up_naming_the_variable():
    with pytest.raises(ValidationError) as error:
        Env(FETCH_MAX_BYTES=0)
    assert describe(error.value) == "Configuration error: FETCH_MAX_BYTES: must be greater than 0"
