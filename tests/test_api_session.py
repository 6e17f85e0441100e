"""ApiSession: the short way through requests that Anymail's API backends post emails by."""

import json
import socket
from pathlib import Path

import pytest
import requests
import trustme
from anymail.backends import brevo, mailgun, postmark
from anymail.exceptions import AnymailAPIError
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends import locmem as mail_locmem

from digest.api_session import ApiSession, _streamlined, provider_connection
from tests import tls
from tests.feed_server import body, feed_server, redirect

ANSWER = b'{"ErrorCode": 0, "Message": "OK"}'
POST = {
    "data": json.dumps({"To": "reader@example.com", "HtmlBody": "<p>caf\\u00e9</p>"}),
    "headers": {"Content-Type": "application/json", "X-Postmark-Server-Token": "token"},
    "timeout": 5,
}


@pytest.fixture
def no_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("HTTP", "HTTPS", "ALL", "NO"):
        monkeypatch.delenv(f"{name}_PROXY", raising=False)
        monkeypatch.delenv(f"{name.lower()}_proxy", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


def test_a_post_arrives_as_requests_would_send_it(no_environment: None) -> None:
    with feed_server() as server:
        server.routes["/email"] = body(ANSWER, content_type="application/json")
        stock = requests.Session()
        expected = stock.post(server.url("/email"), **POST)
        answer = ApiSession.for_api(stock, server.url("/")).post(server.url("/email"), **POST)

    assert answer.status_code == expected.status_code == 200
    assert answer.json() == expected.json() == {"ErrorCode": 0, "Message": "OK"}
    assert server.requests[1] == server.requests[0]  # path and every header
    assert server.bodies[1] == server.bodies[0] == POST["data"].encode()


def test_a_post_s_headers_override_the_session_s_whatever_their_case(no_environment: None) -> None:
    overriding = [{"accept": "application/json"}, {"ACCEPT": None, "user-agent": "digest"}]
    with feed_server() as server:
        server.routes["/email"] = body(ANSWER)
        for session in (
            requests.Session(),
            ApiSession.for_api(requests.Session(), server.url("/")),
        ):
            for headers in overriding:
                session.post(server.url("/email"), data="{}", headers=headers)

    received = [{k.lower(): v for k, v in h.items()} for _, h in server.requests]
    assert received[2:] == received[:2]  # ApiSession's == a stock Session's
    assert received[2]["accept"] == "application/json"
    assert "accept" not in received[3]
    assert received[3]["user-agent"] == "digest"


def test_proxies_and_netrc_are_read_from_the_environment(
    no_environment: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine api.example.test login digest password s3cret\n")
    netrc.chmod(0o600)
    with feed_server() as proxy:
        proxy.routes["http://api.example.test/email"] = body(ANSWER)
        monkeypatch.setenv("HTTP_PROXY", proxy.url(""))
        monkeypatch.setenv("NETRC", str(netrc))
        session = ApiSession.for_api(requests.Session(), "http://api.example.test/")
        answer = session.post("http://api.example.test/email", **POST)

    assert answer.status_code == 200
    path, headers = proxy.requests[0]
    assert path == "http://api.example.test/email"  # asked of the proxy, never resolved here
    assert headers["Authorization"] == requests.auth._basic_auth_str("digest", "s3cret")


def test_https_is_verified_against_the_environment_s_ca_bundle(
    no_environment: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ca = trustme.CA()
    tls.resolve_to_loopback(monkeypatch)
    with feed_server(tls.server_context(ca, "api.example.test")) as server:
        server.routes["/email"] = body(ANSWER)
        api = f"https://api.example.test:{server.port}/"
        with pytest.raises(requests.exceptions.SSLError, match="CERTIFICATE_VERIFY_FAILED"):
            ApiSession.for_api(requests.Session(), api).post(f"{api}email", **POST)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls.trust(ca, tmp_path))
        answer = ApiSession.for_api(requests.Session(), api).post(f"{api}email", **POST)

    assert answer.status_code == 200
    assert answer.json() == {"ErrorCode": 0, "Message": "OK"}


def test_a_redirect_is_the_answer_not_followed(no_environment: None) -> None:
    with feed_server() as server:
        server.routes["/email"] = redirect(server.url("/elsewhere"))
        answer = ApiSession.for_api(requests.Session(), server.url("/")).post(
            server.url("/email"), **POST
        )

    assert answer.status_code == 302
    assert [path for path, _ in server.requests] == ["/email"]


def test_no_answer_raises_requests_own_connection_error(no_environment: None) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound, never listening: connections are refused
        session = ApiSession.for_api(requests.Session(), f"http://127.0.0.1:{port}/")
        with pytest.raises(requests.ConnectionError):
            session.post(f"http://127.0.0.1:{port}/email", **POST)


def test_query_parameters_take_requests_full_path(no_environment: None) -> None:
    with feed_server() as server:
        server.routes["/email?batch=1"] = body(ANSWER)
        session = ApiSession.for_api(requests.Session(), server.url("/"))
        answer = session.post(server.url("/email"), params={"batch": 1}, **POST)

    assert answer.status_code == 200
    assert server.requests[0][0] == "/email?batch=1"


def test_anymail_api_backends_get_an_api_session_through_their_create_session_hook(
    settings,
) -> None:
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "token", "POSTMARK_API_URL": "http://127.0.0.1:9/"}
    with provider_connection(timeout=5) as api:
        assert isinstance(api, postmark.EmailBackend) and isinstance(api.session, ApiSession)
        assert api.session.headers["User-Agent"].startswith("django-anymail/")  # Anymail's own
        assert api.timeout == 5

    settings.ANYMAIL["DEBUG_API_REQUESTS"] = True
    with provider_connection() as debugging:
        # It prints through a response hook: requests' full path keeps it.
        assert type(debugging.session) is requests.Session

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with provider_connection() as locmem:
        assert type(locmem) is mail_locmem.EmailBackend


class OwnSession(requests.Session):
    pass


class OwnSessionBackend(postmark.EmailBackend):
    def create_session(self) -> requests.Session:
        return OwnSession()


def test_a_session_a_backend_made_its_own_is_kept(settings) -> None:
    settings.EMAIL_BACKEND = "tests.test_api_session.OwnSessionBackend"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "token", "POSTMARK_API_URL": "http://127.0.0.1:9/"}
    with provider_connection() as own:
        assert type(own.session) is OwnSession


ESPS = {
    "postmark (JSON, token header)": (postmark.EmailBackend, {"server_token": "token"}),
    "mailgun (form, basic auth)": (
        mailgun.EmailBackend,
        {"api_key": "key", "sender_domain": "mg.example.com"},
    ),
    "brevo (JSON, key header)": (brevo.EmailBackend, {"api_key": "key"}),
}


@pytest.mark.parametrize("esp", sorted(ESPS))
def test_anymail_backends_post_the_same_request_through_it(no_environment: None, esp: str) -> None:
    stock_class, options = ESPS[esp]
    message = EmailMultiAlternatives(
        "3 new papers", "Text", "Digest <digest@example.com>", ["reader@example.com"]
    )
    message.attach_alternative("<p>caf\u00e9</p>", "text/html")
    with feed_server() as server:  # it answers 404 to all: only the requests are compared
        for backend_class in (stock_class, _streamlined(stock_class)):
            with (
                backend_class(api_url=server.url("/api/"), **options) as backend,
                pytest.raises(AnymailAPIError),
            ):
                backend.send_messages([message])

    stock, ours = server.requests
    assert ours == stock
    assert server.bodies[1] == server.bodies[0] != b""
