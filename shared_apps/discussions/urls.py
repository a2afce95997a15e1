"""Discussion pages, mounted at /discussions/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.discussion_list, name="discussions"),
    path("s/<slug:slug>/", views.discussion_space, name="discussions_space"),
    path("s/<slug:slug>/new/", views.thread_create, name="discussions_thread_create"),
    path("t/<int:pk>/", views.thread_detail, name="discussions_thread"),
    path("t/<int:pk>/reply/", views.reply, name="discussions_reply"),
    path("t/<int:pk>/subscription/", views.subscription, name="discussions_subscription"),
    path("m/<int:pk>/edit/", views.message_edit, name="discussions_message_edit"),
    path("m/<int:pk>/delete/", views.message_delete, name="discussions_message_delete"),
    path("m/<int:pk>/hide/", views.message_hide, name="discussions_message_hide"),
    path("m/<int:pk>/react/", views.react, name="discussions_react"),
    path("files/<int:pk>/", views.attachment, name="discussions_attachment"),
]
