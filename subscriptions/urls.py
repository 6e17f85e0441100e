from django.urls import path

from subscriptions import link_views, views

app_name = "subscriptions"

# Token URLs end in a slash, exactly as emitted in emails and List-Unsubscribe headers, so no
# APPEND_SLASH redirect ever stands between a mail provider's POST and the view.
urlpatterns = [
    path("", views.home, name="home"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("confirm/", link_views.confirm_page, name="confirm_page"),
    path("confirm/resend/", link_views.resend_confirmation, name="resend"),
    path("confirm/<str:token>/", link_views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", link_views.unsubscribe, name="unsubscribe"),
    path("manage/<str:token>/", link_views.manage, name="manage"),
]
