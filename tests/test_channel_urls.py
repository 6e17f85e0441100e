"""A webhook URL is checked like a feed URL, stored encrypted and shown back masked."""

import pytest

from digest import actions
from digest.channel_urls import BadWebhookURL, check, decrypt, mask
from digest.models import Channel
from tests.personas import make_reader

SLACK = "https://hooks.slack.com/services/T0001/B0001/abcdefghijklmnopqrstuvwx"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/hook",
        "http://[::1]/hook",
        "ftp://hooks.slack.com/x",
        "file:///etc/passwd",
        "https://user:secret@hooks.slack.com/x",
        "hooks.slack.com/services/x",
    ],
)
def test_only_public_http_addresses_can_be_a_webhook(url, settings):
    settings.FETCH_ALLOWED_HOSTS = []
    with pytest.raises(BadWebhookURL):
        check(url)


def test_an_allowed_local_host_is_accepted(settings):
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    assert check(" http://127.0.0.1:8000/hook ") == "http://127.0.0.1:8000/hook"


def test_the_url_is_shown_masked():
    assert mask(SLACK) == "https://hooks.slack.com/…uvwx"


@pytest.mark.django_db
def test_the_url_is_stored_encrypted_and_read_back_after_a_key_rotation(settings):
    settings.FETCH_ALLOWED_HOSTS = ["127.0.0.1"]  # no DNS in tests: a local stand-in
    url = "http://127.0.0.1:9/services/T0001/B0001/abcdefghijklmnopqrstuvwx"
    channel = actions.add_channel(make_reader("ada@example.com"), url, name="ML", kind="slack")
    stored = Channel.objects.values_list("url_encrypted", "url_masked").get()
    assert not any("abcdefgh" in value or "/services/" in value for value in stored)
    assert stored[1] == "http://127.0.0.1/…uvwx"
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a new key " * 5
    assert decrypt(channel.url_encrypted) == url
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(BadWebhookURL):
        decrypt(channel.url_encrypted)
