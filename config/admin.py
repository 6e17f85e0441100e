"""The admin site, named after SITE_NAME, with the operator's overview on its index page
(config/overview.py), and its login throttled: failed sign-ins are counted per client IP and per
username, and past ADMIN_LOGIN_FAILURES in a window of ADMIN_LOGIN_WINDOW either one is refused
until the window ends (so a password cannot be guessed from many addresses, nor many accounts
tried from one)."""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from core import ratelimit


class ThrottledAdminSite(admin.AdminSite):
    index_title = "Overview"
    # The app list in a sidebar on every page costs a list 300 px of its width: at 1280 px the
    # deliveries' reasons and the sources' errors were cut off. The breadcrumbs lead back home.
    enable_nav_sidebar = False

    def each_context(self, request: HttpRequest) -> dict:
        # Read per request, not at import: tests and deployments set SITE_NAME after start-up.
        name = settings.SITE_NAME
        return {**super().each_context(request), "site_header": name, "site_title": name}

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """The app list, after what happened lately (only staff reach this page at all)."""
        from config.overview import overview  # models: not importable while apps load

        return super().index(request, {"overview": overview(), **(extra_context or {})})

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.method != "POST":
            return super().login(request, extra_context)
        counters = _failure_counters(request)
        limit, window = settings.ADMIN_LOGIN_FAILURES, settings.ADMIN_LOGIN_WINDOW
        if any(ratelimit.spent(scope, key, limit, window) for scope, key in counters):
            return self._too_many(request)
        response = super().login(request, extra_context)
        if not request.user.is_authenticated:  # the form came back with its error
            for scope, key in counters:
                ratelimit.hit(scope, key, limit, window)
        return response

    def _too_many(self, request: HttpRequest) -> HttpResponse:
        minutes = settings.ADMIN_LOGIN_WINDOW // timedelta(minutes=1)
        context = {**self.each_context(request), "title": "Too many attempts", "minutes": minutes}
        return TemplateResponse(request, "admin/login_throttled.html", context, status=429)


def _failure_counters(request: HttpRequest) -> list[tuple[str, str]]:
    ip = ratelimit.client_ip(request.META, settings.NUM_PROXIES)
    username = request.POST.get("username", "").strip().lower()
    return [("admin-login-ip", ip), ("admin-login-username", username)]


class ThrottledAdminConfig(AdminConfig):
    """Installed in place of django.contrib.admin, so `admin.site` is the throttled site."""

    default_site = "config.admin.ThrottledAdminSite"
