"""The session engine (settings.SESSION_ENGINE): Django's database sessions, with the reader
whose emailed link a session holds in an indexed column (see link_session.py), so unsubscribing
or deleting can end every browser session that holds that reader's token."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

from subscriptions.link_session import READER
from subscriptions.models import ReaderSession


class SessionStore(DatabaseStore):
    @classmethod
    def get_model_class(cls) -> type[ReaderSession]:
        return ReaderSession

    def create_model_instance(self, data: dict) -> ReaderSession:
        session = super().create_model_instance(data)
        session.reader = data.get(READER)
        return session
