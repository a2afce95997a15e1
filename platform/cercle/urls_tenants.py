"""URLs of an association's workspace (`<slug>.<base domain>`). Every route here is requested
by a member of another association in tests/test_isolation.py."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from billing import urls as billing_urls

urlpatterns = [
    path("", include("shared_apps.workspace.urls")),
    path("", include(billing_urls.tenant_urlpatterns)),
    path("members/", include("shared_apps.members.urls")),
    path("spaces/", include("shared_apps.spaces.urls")),
    path("news/", include("shared_apps.news.urls")),
    path("discussions/", include("shared_apps.discussions.urls")),
    path("documents/", include("shared_apps.documents.urls")),
    path("notifications/", include("shared_apps.notifications.urls")),
    path("events/", include("shared_apps.events.urls")),
    path("polls/", include("shared_apps.polls.urls")),
    path("surveys/", include("shared_apps.surveys.urls")),
    path("feedback/", include("shared_apps.feedback.urls")),
    path("search/", include("shared_apps.search.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("shared_apps.workspace.api_urls")),
    path("api/v1/", include("billing.api_urls")),
    path("api/v1/", include("shared_apps.members.api_urls")),
    path("api/v1/", include("shared_apps.spaces.api_urls")),
    path("api/v1/", include("shared_apps.news.api_urls")),
    path("api/v1/", include("shared_apps.discussions.api_urls")),
    path("api/v1/", include("shared_apps.documents.api_urls")),
    path("api/v1/", include("shared_apps.notifications.api_urls")),
    path("api/v1/", include("shared_apps.events.api_urls")),
    path("api/v1/", include("shared_apps.polls.api_urls")),
    path("api/v1/", include("shared_apps.surveys.api_urls")),
    path("api/v1/", include("shared_apps.feedback.api_urls")),
    path("api/v1/", include("shared_apps.search.api_urls")),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(urlconf="cercle.urls_tenants"),
        name="api_schema",
    ),
]
