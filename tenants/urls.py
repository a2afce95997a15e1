from django.urls import path

from billing import ops_urls as billing_ops_urls
from billing import views as billing_views

from . import ops, views

ops_patterns = (
    [
        path("", ops.console, name="console"),
        path("associations/<int:pk>/suspend/", ops.suspend, name="suspend"),
        path("associations/<int:pk>/reactivate/", ops.reactivate, name="reactivate"),
        *billing_ops_urls.urlpatterns,
    ],
    "ops",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("pricing/", billing_views.pricing, name="pricing"),
    path("billing/webhook/", billing_views.stripe_webhook, name="stripe_webhook"),
    path("terms/", views.terms, name="terms"),
    path("signup/", views.signup, name="signup"),
    path("signup/address/", views.address_check, name="address_check"),
    path("associations/", views.my_associations, name="my_associations"),
    path("associations/<slug:slug>/go/", views.go, name="association_go"),
]
