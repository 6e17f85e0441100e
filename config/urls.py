from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # Provider tracking webhooks (bounces, complaints, unsubscribes), behind ANYMAIL_WEBHOOK_SECRET.
    path("anymail/", include("anymail.urls")),
    path("", include("subscriptions.urls")),
    path("", include("digest.urls")),
]
