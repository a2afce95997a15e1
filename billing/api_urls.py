from django.urls import path

from . import api

# In a workspace (board only).
urlpatterns = [
    path("billing/", api.BillingApi.as_view(), name="api_billing"),
    path("billing/checkout/", api.CheckoutApi.as_view(), name="api_billing_checkout"),
    path("billing/portal/", api.PortalApi.as_view(), name="api_billing_portal"),
]
