"""Discussions API, mounted at /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("discussions/threads/", api.ThreadRecentApi.as_view(), name="api_discussions_threads"),
    path("discussions/spaces/<slug:slug>/threads/", api.SpaceThreadsApi.as_view(),
         name="api_discussions_space_threads"),
    path("discussions/spaces/<slug:slug>/mentionable/", api.MentionableApi.as_view(),
         name="api_discussions_mentionable"),
    path("discussions/threads/<int:pk>/", api.ThreadDetailApi.as_view(),
         name="api_discussions_thread"),
    path("discussions/threads/<int:pk>/messages/", api.ThreadReplyApi.as_view(),
         name="api_discussions_reply"),
    path("discussions/threads/<int:pk>/subscription/", api.SubscriptionApi.as_view(),
         name="api_discussions_subscription"),
    path("discussions/threads/<int:pk>/read/", api.MarkReadApi.as_view(),
         name="api_discussions_read"),
    path("discussions/messages/<int:pk>/", api.MessageApi.as_view(),
         name="api_discussions_message"),
    path("discussions/messages/<int:pk>/hide/", api.MessageHideApi.as_view(),
         name="api_discussions_hide"),
    path("discussions/messages/<int:pk>/reactions/", api.ReactionApi.as_view(),
         name="api_discussions_reactions"),
    path("discussions/messages/<int:pk>/attachments/", api.AttachmentsApi.as_view(),
         name="api_discussions_attachments"),
]
