from django.urls import path

from digest import views

app_name = "digest"

urlpatterns = [
    path("digests/<str:token>/", views.view_digest, name="view"),
    path("digests/<str:token>/manage-link/", views.email_manage_link, name="manage_link"),
]
