"""The admin login is throttled per client IP and per username."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
TOO_MANY = "Please wait 15 minutes and try again."


@pytest.fixture(autouse=True)
def _three_failures(settings) -> None:
    settings.ADMIN_LOGIN_FAILURES = 3
    User.objects.create_superuser("admin", "admin@example.org", "right-password")


def sign_in(username: str, password: str, ip: str = "203.0.113.7") -> tuple[int, str]:
    response = Client().post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)
    return response.status_code, response.content.decode()


def test_past_the_failures_allowed_one_ip_is_refused_even_the_right_password() -> None:
    codes = [sign_in(f"guess{n}", "wrong")[0] for n in range(3)]
    status, page = sign_in("admin", "right-password")

    assert codes == [200, 200, 200]
    assert status == 429 and TOO_MANY in page
    assert sign_in("admin", "right-password", ip="198.51.100.1")[0] == 302


def test_past_the_failures_allowed_one_username_is_refused_from_any_ip() -> None:
    for n in range(3):
        sign_in("Admin", "wrong", ip=f"198.51.100.{n}")

    assert sign_in("admin", "right-password", ip="192.0.2.50")[0] == 429
    assert sign_in("someone", "wrong", ip="192.0.2.50")[0] == 200


def test_successful_sign_ins_are_not_counted() -> None:
    codes = [sign_in("admin", "right-password")[0] for _ in range(5)]

    assert codes == [302] * 5


def test_the_refusal_ends_with_the_window(frozen_clock) -> None:
    for _ in range(3):
        sign_in("admin", "wrong")
    assert sign_in("admin", "right-password")[0] == 429

    frozen_clock.advance(timedelta(minutes=15))

    assert sign_in("admin", "right-password")[0] == 302
