"""An email backend for the demo: each message becomes `<name>.eml` (the whole message, to open
in a mail client) and `<name>.html` (its HTML part, to open in a browser) in EMAIL_FILE_PATH."""

from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils.text import slugify

PREFIX = "digest-"


def clear(folder: Path) -> None:
    """Remove the files an earlier run wrote, leaving anything else in the folder alone."""
    for pattern in (f"{PREFIX}*.eml", f"{PREFIX}*.html"):
        for old in folder.glob(pattern):
            old.unlink()


def _html_part(message: EmailMessage) -> str | None:
    alternatives = getattr(message, "alternatives", [])
    return next((content for content, mimetype in alternatives if mimetype == "text/html"), None)


class EmailBackend(BaseEmailBackend):
    def __init__(self, file_path: str | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.folder = Path(file_path or settings.EMAIL_FILE_PATH)

    def _name(self, message: EmailMessage) -> str:
        delivery = getattr(message, "metadata", {}).get("delivery_id", "")
        return f"{PREFIX}{delivery}-{slugify(message.to[0] if message.to else 'nobody')}"

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = self._name(message)
            (self.folder / f"{name}.eml").write_bytes(message.message().as_bytes(linesep="\n"))
            html = _html_part(message)
            if html is not None:
                (self.folder / f"{name}.html").write_text(html, encoding="utf-8")
        return len(email_messages)
