"""Feedback API, mounted at /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("feedback/", api.FeedbackMineApi.as_view(), name="api_feedback"),
    path("feedback/ideas/", api.FeedbackIdeasApi.as_view(), name="api_feedback_ideas"),
    path("feedback/inbox/", api.FeedbackInboxApi.as_view(), name="api_feedback_inbox"),
    path("feedback/dashboard/", api.FeedbackDashboardApi.as_view(),
         name="api_feedback_dashboard"),
    path("feedback/themes/", api.FeedbackThemesApi.as_view(), name="api_feedback_themes"),
    path("feedback/themes/<int:pk>/", api.FeedbackThemeApi.as_view(),
         name="api_feedback_theme"),
    path("feedback/settings/", api.FeedbackSettingsApi.as_view(), name="api_feedback_settings"),
    path("feedback/attachments/<int:pk>/", api.FeedbackAttachmentApi.as_view(),
         name="api_feedback_attachment"),
    path("feedback/<int:pk>/", api.FeedbackItemApi.as_view(), name="api_feedback_item"),
    path("feedback/<int:pk>/assign/", api.FeedbackAssignApi.as_view(),
         name="api_feedback_assign"),
    path("feedback/<int:pk>/status/", api.FeedbackStatusApi.as_view(),
         name="api_feedback_status"),
    path("feedback/<int:pk>/notes/", api.FeedbackNotesApi.as_view(), name="api_feedback_notes"),
    path("feedback/<int:pk>/answers/", api.FeedbackAnswersApi.as_view(),
         name="api_feedback_answers"),
    path("feedback/<int:pk>/merge/", api.FeedbackMergeApi.as_view(), name="api_feedback_merge"),
    path("feedback/<int:pk>/support/", api.FeedbackSupportApi.as_view(),
         name="api_feedback_support"),
]
