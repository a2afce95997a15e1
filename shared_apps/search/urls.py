"""Search pages, mounted at /search/."""

urlpatterns: list = []
