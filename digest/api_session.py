"""The HTTP session an Anymail backend posts a chunk's emails through.

Anymail's API backends post every email to the same URL with the same headers through a stock
requests Session, whose `request` merges settings, cookie jars, hooks and the environment again
for each one: a fifth of the CPU Anymail takes to hand a digest over. ApiSession reads the
environment once (proxies, CA bundle, netrc, as requests would) and sends each post through
requests' own transport adapter, which still does the HTTP, TLS and timeouts and raises requests'
exceptions, with a requests Response for Anymail to read. It leaves out what an API post never
uses: cookies, hooks and redirects (a redirect comes back as the 3xx answer it is). Backends get
it through Anymail's create_session hook (ApiSessionBackend, provider_connection).
"""

from functools import cache
from typing import Any

import requests
from anymail.backends.base_requests import AnymailRequestsBackend
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils.module_loading import import_string
from requests.models import PreparedRequest
from requests.structures import CaseInsensitiveDict
from requests.utils import get_netrc_auth


class ApiSession(requests.Session):
    """A Session for posting to one email API; anything but a plain post takes requests' path."""

    trust_env = False  # read once, in `for_api`

    @classmethod
    def for_api(cls, stock: requests.Session, api_url: str) -> "ApiSession":
        """An ApiSession with `stock`'s headers and auth, and the environment's settings for
        `api_url`: they cannot change between the posts of one connection."""
        session = cls()
        session.headers, session.auth = stock.headers, stock.auth
        found = stock.merge_environment_settings(api_url, {}, None, None, None)
        session.proxies, session.verify, session.cert = (
            found["proxies"],
            found["verify"],
            found["cert"],
        )
        if stock.trust_env:
            session.auth = session.auth or get_netrc_auth(api_url)
        return session

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        params: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        files: Any = None,
        auth: Any = None,
        timeout: Any = None,
        json: Any = None,
        **rest: Any,
    ) -> requests.Response:
        if params or files or json is not None or rest:
            return super().request(
                method, url, params, data, headers, None, files, auth, timeout, json=json, **rest
            )
        prepared = PreparedRequest()
        prepared.prepare_method(method)
        prepared.prepare_url(url, None)
        merged = CaseInsensitiveDict(self.headers)  # a post's own headers win, whatever their case
        merged.update(headers or {})
        prepared.prepare_headers({key: value for key, value in merged.items() if value is not None})
        prepared.prepare_body(data, None)
        address = str(prepared.url)
        prepared.prepare_auth(auth or self.auth, address)
        response = self.get_adapter(address).send(
            prepared, timeout=timeout, verify=self.verify, cert=self.cert, proxies=self.proxies
        )
        response.content  # noqa: B018 (read it all, which hands the connection back to the pool)
        return response


class ApiSessionBackend(AnymailRequestsBackend):
    """Mixed into an Anymail API backend: Anymail's documented create_session hook gives it an
    ApiSession in place of its stock Session.

    A speed shortcut. It buys `make bench`'s "hand to the provider" row (docs/benchmarks.md,
    sending): with the stock Session that stage took 1.9x as long (5,000 readers, 4,000 sent,
    A B A B A B medians: 9.8 s against 18.4 s). A session of another class (a backend's own
    create_session) or with response hooks (Anymail's ANYMAIL_DEBUG_API_REQUESTS prints through
    one) is kept as it is.
    """

    def create_session(self) -> requests.Session:
        stock = super().create_session()
        if type(stock) is not requests.Session or any(stock.hooks.values()):
            return stock
        session = ApiSession.for_api(stock, self.api_url)
        stock.close()
        return session


@cache
def _streamlined(backend: type[BaseEmailBackend]) -> type[BaseEmailBackend]:
    if not issubclass(backend, AnymailRequestsBackend):
        return backend  # SMTP, file, console, Amazon SES (boto3), Anymail's test backend
    return type(backend.__name__, (ApiSessionBackend, backend), {"__module__": __name__})


def provider_connection(**options: Any) -> BaseEmailBackend:
    """The configured EMAIL_BACKEND, not yet open, as Django's get_connection(**options) makes
    it; an Anymail API backend among them posts through an ApiSession."""
    return _streamlined(import_string(settings.EMAIL_BACKEND))(**options)
