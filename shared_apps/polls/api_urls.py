"""Polls API, mounted at /api/v1/."""

urlpatterns: list = []
