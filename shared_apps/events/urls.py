"""Events pages, mounted at /events/."""

urlpatterns: list = []
