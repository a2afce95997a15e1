"""Polls API, mounted at /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("polls/", api.PollListApi.as_view(), name="api_polls"),
    path("polls/<int:pk>/", api.PollDetailApi.as_view(), name="api_polls_detail"),
    path("polls/<int:pk>/vote/", api.PollVoteApi.as_view(), name="api_polls_vote"),
    path("polls/<int:pk>/close/", api.PollCloseApi.as_view(), name="api_polls_close"),
    path("polls/<int:pk>/results/", api.PollResultsApi.as_view(), name="api_polls_results"),
    path("polls/<int:pk>/event/", api.PollEventApi.as_view(), name="api_polls_event"),
]
