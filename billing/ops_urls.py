"""Billing routes of the operators' console, included in tenants.urls.ops_patterns ("ops")."""

from django.urls import path

from . import ops

urlpatterns = [
    path(
        "associations/<int:pk>/subscription/",
        ops.subscription_detail,
        name="subscription",
    ),
    path(
        "associations/<int:pk>/subscription/trial/",
        ops.trial_extend_view,
        name="trial_extend",
    ),
    path("associations/<int:pk>/subscription/grant/", ops.plan_grant_view, name="plan_grant"),
    path(
        "associations/<int:pk>/subscription/grant/withdraw/",
        ops.plan_withdraw_view,
        name="plan_withdraw",
    ),
    path("associations/<int:pk>/subscription/resync/", ops.resync_view, name="resync"),
    path("webhooks/", ops.webhook_events, name="webhook_events"),
    path("webhooks/<int:pk>/replay/", ops.webhook_replay_view, name="webhook_replay"),
    path("plans/", ops.plan_list, name="plans"),
    path("plans/new/", ops.plan_create, name="plan_create"),
    path("plans/<int:pk>/", ops.plan_edit, name="plan_edit"),
]
