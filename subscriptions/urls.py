from django.urls import path, re_path

from subscriptions import (
    channel_views,
    feed_views,
    feedback_views,
    help_views,
    link_views,
    manage_views,
    taste_views,
    views,
)

app_name = "subscriptions"

# Token URLs end in a slash, exactly as emitted in emails and List-Unsubscribe headers, so no
# APPEND_SLASH redirect ever stands between a mail provider's POST and the view.
urlpatterns = [
    path("", views.home, name="home"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("confirm/", link_views.confirm_page, name="confirm_page"),
    path("confirm/resend/", link_views.resend_confirmation, name="resend"),
    path("confirm/manage-link/", link_views.confirm_manage_link, name="confirm_manage_link"),
    path("confirm/<str:token>/", link_views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", link_views.unsubscribe, name="unsubscribe"),
    path(
        "unsubscribe/<str:token>/manage-link/",
        link_views.unsubscribe_manage_link,
        name="unsubscribe_manage_link",
    ),
    path("manage/", manage_views.manage_page, name="manage_page"),
    path("manage/link/", manage_views.request_link, name="request_link"),
    path("manage/resend/", manage_views.resend_link, name="manage_resend"),
    path("manage/preview/", manage_views.preview_fragment, name="preview"),
    path("manage/topics/", manage_views.add_topic, name="add_topic"),
    path("manage/topics/<int:pk>/", manage_views.change_topic, name="change_topic"),
    path("manage/schedule/", manage_views.change_schedule, name="schedule"),
    path("manage/pause/", manage_views.pause, name="pause"),
    path("manage/resume/", manage_views.resume, name="resume"),
    path("manage/export/", manage_views.export, name="export"),
    path("manage/delete/", manage_views.delete, name="delete"),
    path("manage/feed/", manage_views.change_feed, name="change_feed"),
    path("manage/mutes/", taste_views.mute, name="mute"),
    path("manage/mutes/<int:pk>/", taste_views.unmute, name="unmute"),
    path("manage/votes/<int:paper_id>/", taste_views.remove_vote, name="remove_vote"),
    path("manage/blend/", taste_views.change_blend, name="blend"),
    path("manage/topics/like/", taste_views.start_topic, name="start_topic"),
    path("manage/channels/new/", channel_views.new_channel, name="new_channel"),
    path("manage/channels/<int:pk>/", channel_views.change_channel, name="change_channel"),
    path("manage/channels/<int:pk>/edit/", channel_views.edit_channel, name="edit_channel"),
    # The emailed link: after the fixed manage/ paths, which a token never equals.
    path("manage/<str:token>/", manage_views.open_link, name="manage"),
    path("more/<str:token>/<int:position>/", feedback_views.feedback, {"liked": True}, name="more"),
    path(
        "less/<str:token>/<int:position>/", feedback_views.feedback, {"liked": False}, name="less"
    ),
    re_path(
        r"^feed/(?P<key>[0-9a-f-]{36})\.(?P<kind>atom|rss)$", feed_views.reader_feed, name="feed"
    ),
    path("help/topics/", help_views.topics_help, name="topics_help"),
]
