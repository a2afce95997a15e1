from django.urls import path

from . import views

# In a workspace (board only).
tenant_urlpatterns = [
    path("billing/", views.billing_page, name="billing"),
    path("billing/status/", views.billing_status, name="billing_status"),
    path("billing/checkout/", views.checkout, name="billing_checkout"),
    path("billing/portal/", views.portal, name="billing_portal"),
]
