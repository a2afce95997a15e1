"""Polls pages, mounted at /polls/."""

urlpatterns: list = []
