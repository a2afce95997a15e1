"""Polls pages, mounted at /polls/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.polls_index, name="polls"),
    path("new/", views.polls_create, name="polls_create"),
    path("<int:pk>/", views.polls_detail, name="polls_detail"),
    path("<int:pk>/vote/", views.polls_vote, name="polls_vote"),
    path("<int:pk>/edit/", views.polls_edit, name="polls_edit"),
    path("<int:pk>/close/", views.polls_close, name="polls_close"),
    path("<int:pk>/delete/", views.polls_delete, name="polls_delete"),
    path("<int:pk>/event/", views.polls_event, name="polls_event"),
    path("vote/<str:token>/", views.polls_vote_link, name="polls_vote_link"),
]
