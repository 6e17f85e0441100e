from django.contrib import admin
from django.urls import include, path

from digest.webhooks import guarded_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    # Provider tracking webhooks (bounces, complaints, unsubscribes), behind ANYMAIL_WEBHOOK_SECRET
    # (in production, no secret means no route: see digest/webhooks.py).
    path("anymail/", include((guarded_urls(), "anymail"))),
    path("", include("subscriptions.urls")),
    path("", include("digest.urls")),
]
