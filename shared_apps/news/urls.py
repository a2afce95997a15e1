"""News pages, mounted at /news/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.news_list, name="news"),
    path("new/", views.news_create, name="news_create"),
    path("<int:pk>/", views.news_detail, name="news_detail"),
    path("<int:pk>/edit/", views.news_edit, name="news_edit"),
    path("<int:pk>/delete/", views.news_delete, name="news_delete"),
    path("<int:pk>/pin/", views.news_pin, name="news_pin"),
    path("<int:pk>/receipts/", views.news_receipts, name="news_receipts"),
    path("<int:pk>/acknowledge/", views.news_acknowledge, name="news_acknowledge"),
    path("<int:pk>/comments/", views.news_comment_create, name="news_comment_create"),
    path("<int:pk>/react/", views.news_react, name="news_react"),
    path("comments/<int:pk>/edit/", views.news_comment_edit, name="news_comment_edit"),
    path("comments/<int:pk>/delete/", views.news_comment_delete, name="news_comment_delete"),
    path("files/<int:pk>/", views.news_attachment, name="news_attachment"),
    path("files/<int:pk>/delete/", views.news_attachment_delete, name="news_attachment_delete"),
    path("ack/<str:token>/", views.news_ack_link, name="news_ack_link"),
]
