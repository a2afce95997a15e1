"""Feedback pages, mounted at /feedback/."""

urlpatterns: list = []
