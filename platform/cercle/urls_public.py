"""URLs of the base domain: the control plane (signup, accounts, operators' console, API)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from billing import api as billing_api
from tenants import api as tenants_api
from tenants.accounts.views import language_set
from tenants.urls import ops_patterns

urlpatterns = [
    path("", include("tenants.urls")),
    path("ops/", include(ops_patterns)),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", language_set, name="set_language"),
    path(
        "api/v1/associations/",
        tenants_api.MyAssociationsApi.as_view(),
        name="api_my_associations",
    ),
    path("api/v1/plans/", billing_api.PlansApi.as_view(), name="api_plans"),
    path(
        "api/v1/addresses/check/",
        tenants_api.AddressCheckApi.as_view(),
        name="api_address_check",
    ),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(urlconf="cercle.urls_public"),
        name="api_schema",
    ),
]
