"""Security headers on every response: a Content-Security-Policy that allows no inline script
or style, and a Permissions-Policy that turns off browser features no page here uses.

A page that shows an email (whose styles are inline, as mail clients need) is decorated with
@shows_email: its policy then allows exactly the <style> blocks and style attributes the
response contains, by their hashes, and nothing more.
"""

import base64
import hashlib
from collections.abc import Callable
from functools import wraps
from html.parser import HTMLParser

from django.http import HttpRequest, HttpResponse

POLICY = (
    "default-src 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "publickey-credentials-get",
    "screen-wake-lock",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in FEATURES)
# The attribute @shows_email sets on a response for the middleware to read.
SHOWS_EMAIL = "shows_email"

View = Callable[..., HttpResponse]


def shows_email(view: View) -> View:
    """Mark a view's responses as an email's HTML, whose inline styles the policy allows."""

    @wraps(view)
    def marked(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        setattr(response, SHOWS_EMAIL, True)
        return response

    return marked


class _InlineStyles(HTMLParser):
    """Collects the text of each <style> block and the value of each style attribute, as a
    browser reads them (attribute values unescaped, style text raw)."""

    def __init__(self) -> None:
        super().__init__()
        self.styles: set[str] = set()
        self._block: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.styles.update(value for name, value in attrs if name == "style" and value)
        if tag == "style":
            self._block = []

    def handle_data(self, data: str) -> None:
        if self._block is not None:
            self._block.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style" and self._block is not None:
            self.styles.add("".join(self._block))
            self._block = None


def _sha256(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def email_style_source(html: str) -> str:
    """The style-src directive that allows exactly the inline styles of `html`."""
    parser = _InlineStyles()
    parser.feed(html)
    parser.close()
    hashes = sorted(_sha256(style) for style in parser.styles)
    return " ".join(["style-src", "'unsafe-hashes'", *hashes])


def content_security_policy(response: HttpResponse) -> str:
    directives = list(POLICY)
    if getattr(response, SHOWS_EMAIL, False):
        directives.append(email_style_source(response.content.decode(response.charset)))
    return "; ".join(directives)


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy and Permissions-Policy headers to every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy(response))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
