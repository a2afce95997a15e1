from django.urls import path

from . import api

urlpatterns = [
    path("feed/", api.FeedApi.as_view(), name="notifications_api_feed"),
    path("notifications/", api.NotificationListApi.as_view(), name="notifications_api_list"),
    path(
        "notifications/<int:pk>/read/", api.NotificationReadApi.as_view(),
        name="notifications_api_read",
    ),
    path(
        "notifications/read-all/", api.NotificationReadAllApi.as_view(),
        name="notifications_api_read_all",
    ),
    path(
        "notifications/unread-count/", api.NotificationUnreadCountApi.as_view(),
        name="notifications_api_unread_count",
    ),
    path(
        "notifications/preferences/", api.PreferencesApi.as_view(),
        name="notifications_api_preferences",
    ),
]
