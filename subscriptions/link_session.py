"""Keeping an emailed link's token in the session, so its page lives at a token-less address.

As Django's password reset does: the token URL (served with Referrer-Policy: no-referrer)
keeps the token here and redirects. The token then cannot leak through Referer, and forms on
the page keep a real Origin header: browsers send `Origin: null` from a no-referrer page, which
Django's CSRF check refuses. Any page with forms behind an emailed link (confirm, manage) can
use this.

Keeping a token gives the session a new key, so a session cookie planted in the browser before
(session fixation) never comes to hold the reader's token. A session holds one reader's tokens,
and names that reader (the `reader` column of subscriptions.sessions), so end_sessions can end
every browser session holding them when the reader unsubscribes or deletes their data.
"""

import uuid

from django.http import HttpRequest

from core.tokens import BadToken
from subscriptions.models import ReaderSession

PREFIX = "subscriptions.link."
READER = f"{PREFIX}reader"  # the reader's public id, as hex


def _key(purpose: str) -> str:
    return f"{PREFIX}{purpose}"


def keep(request: HttpRequest, purpose: str, token: str, reader: uuid.UUID) -> None:
    """Keep `token`, a genuine `purpose` link of `reader`, under a new session key. Another
    reader's tokens kept before are dropped: a session holds one reader's."""
    session = request.session
    if session.get(READER) != reader.hex:
        for key in list(session.keys()):  # SessionBase has keys() but cannot be iterated
            if key.startswith(PREFIX):
                del session[key]
    session.cycle_key()
    session[_key(purpose)] = token
    session[READER] = reader.hex


def kept(request: HttpRequest, purpose: str) -> str:
    """The token kept for `purpose`; BadToken if this browser never opened such a link."""
    token = request.session.get(_key(purpose))
    if not token:
        raise BadToken(f"no {purpose} link was opened in this session")
    return token


def end(request: HttpRequest) -> None:
    """End this browser's session: its links are forgotten, its cookie removed."""
    request.session.flush()


def end_sessions(reader: uuid.UUID) -> None:
    """End every browser session holding a token of `reader` (on unsubscribe and deletion)."""
    ReaderSession.objects.filter(reader=reader).delete()
