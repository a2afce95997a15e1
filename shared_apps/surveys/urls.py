"""Surveys pages, mounted at /surveys/."""

urlpatterns: list = []
