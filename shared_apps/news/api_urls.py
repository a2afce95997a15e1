"""News API, mounted at /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("news/", api.AnnouncementListApi.as_view(), name="api_news"),
    path("news/<int:pk>/", api.AnnouncementDetailApi.as_view(), name="api_news_detail"),
    path("news/<int:pk>/pin/", api.AnnouncementPinApi.as_view(), name="api_news_pin"),
    path("news/<int:pk>/receipts/", api.AnnouncementReceiptsApi.as_view(),
         name="api_news_receipts"),
    path("news/<int:pk>/acknowledge/", api.AnnouncementAcknowledgeApi.as_view(),
         name="api_news_acknowledge"),
    path("news/<int:pk>/comments/", api.CommentListApi.as_view(), name="api_news_comments"),
    path("news/<int:pk>/reactions/", api.ReactionToggleApi.as_view(),
         name="api_news_reactions"),
    path("news/<int:pk>/attachments/", api.AttachmentUploadApi.as_view(),
         name="api_news_attachments"),
    path("news/comments/<int:pk>/", api.CommentDetailApi.as_view(),
         name="api_news_comment"),
    path("news/attachments/<int:pk>/", api.AttachmentApi.as_view(),
         name="api_news_attachment"),
]
