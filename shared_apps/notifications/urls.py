from django.urls import path

from . import views

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("<int:pk>/read/", views.notification_read, name="notifications_read"),
    path("read-all/", views.notification_read_all, name="notifications_read_all"),
    path("preferences/", views.preferences, name="notifications_preferences"),
    path(
        "unsubscribe/<str:token>/", views.unsubscribe_view, name="notifications_unsubscribe"
    ),
]
