"""The feed fetcher against a real HTTP server on 127.0.0.1, with tiny limits."""

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


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "192.168.1.20",
        "172.16.0.5",
        "169.254.169.254",
        "100.64.0.1",
        "127.0.0.1",
        "0.0.0.0",
        "::1",
        "fd00:ec2::254",
        "::ffff:10.0.0.1",
        "fe80::1",
    ],
)
def test_a_name_resolving_to_an_internal_address_is_never_connected_to(monkeypatch, address):
    resolver = Resolver(monkeypatch, address)
    with pytest.raises(FetchError, match="non-public address"):
        fetch("https://feeds.example.com/rss", limits=limits(allowed_hosts=frozenset()))
    assert resolver.attempts == []


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
