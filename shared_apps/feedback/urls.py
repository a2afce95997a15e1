"""Feedback pages, mounted at /feedback/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.feedback_home, name="feedback"),
    path("new/", views.feedback_create, name="feedback_create"),
    path("inbox/", views.feedback_inbox, name="feedback_inbox"),
    path("dashboard/", views.feedback_dashboard, name="feedback_dashboard"),
    path("themes/", views.feedback_themes, name="feedback_themes"),
    path("themes/<int:pk>/", views.feedback_theme_edit, name="feedback_theme_edit"),
    path("settings/", views.feedback_settings_edit, name="feedback_settings"),
    path("<int:pk>/", views.feedback_detail, name="feedback_detail"),
    path("<int:pk>/assign/", views.feedback_assign, name="feedback_assign"),
    path("<int:pk>/status/", views.feedback_status, name="feedback_status"),
    path("<int:pk>/notes/", views.feedback_note, name="feedback_note"),
    path("<int:pk>/answer/", views.feedback_answer, name="feedback_answer"),
    path("<int:pk>/merge/", views.feedback_merge, name="feedback_merge"),
    path("<int:pk>/support/", views.feedback_support, name="feedback_support"),
    path("files/<int:pk>/", views.feedback_attachment, name="feedback_attachment"),
    path("follow/<str:token>/", views.feedback_follow, name="feedback_follow"),
]
