"""Billing endpoints: public plans, and the board's view of the subscription."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.workspace.api import IsMember

from . import stripe_gateway as gateway
from .models import Interval, Plan
from .selectors import plans_for_pricing, subscription_of
from .services import (
    AlreadySubscribed,
    BillingError,
    billing_enabled,
    checkout_start,
    portal_start,
)


class PlanOut(serializers.ModelSerializer):
    unlimited_members = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = [
            "code", "name", "description", "currency", "price_monthly_cents",
            "price_yearly_cents", "storage_quota_mb", "features", "unlimited_members",
        ]

    def get_unlimited_members(self, obj: Plan) -> bool:
        return True  # every plan, always: we never count seats


class PlansApi(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = PlanOut
    pagination_class = None

    def get_queryset(self):  # noqa: ANN201
        return plans_for_pricing()


class SubscriptionOut(serializers.Serializer):
    status = serializers.CharField()
    read_only = serializers.BooleanField()
    plan = serializers.CharField(allow_null=True)
    interval = serializers.CharField()
    trial_ends_at = serializers.DateTimeField()
    current_period_end = serializers.DateTimeField(allow_null=True)
    amount_cents = serializers.IntegerField()
    currency = serializers.CharField()
    cancel_at_period_end = serializers.BooleanField()


def _enabled() -> None:
    if not billing_enabled():
        raise NotFound


class BillingApi(APIView):
    permission_classes = [IsMember]
    required_action = "billing.manage"

    @extend_schema(responses=SubscriptionOut)
    def get(self, request: Request) -> Response:
        _enabled()
        association = request._request.tenant
        sub = subscription_of(association)
        return Response(
            SubscriptionOut(
                {
                    "status": association.status,
                    "read_only": association.is_read_only(),
                    "plan": sub.plan.code if sub.plan else None,
                    "interval": sub.interval,
                    "trial_ends_at": sub.trial_ends_at,
                    "current_period_end": sub.current_period_end,
                    "amount_cents": sub.amount_cents,
                    "currency": sub.currency,
                    "cancel_at_period_end": sub.cancel_at_period_end,
                }
            ).data
        )


class CheckoutIn(serializers.Serializer):
    plan = serializers.SlugField()
    interval = serializers.ChoiceField(choices=Interval.choices)


class RedirectOut(serializers.Serializer):
    url = serializers.URLField()


class CheckoutApi(APIView):
    permission_classes = [IsMember]
    required_action = "billing.manage"

    @extend_schema(request=CheckoutIn, responses=RedirectOut)
    def post(self, request: Request) -> Response:
        _enabled()
        data = CheckoutIn(data=request.data)
        data.is_valid(raise_exception=True)
        plan = Plan.objects.filter(code=data.validated_data["plan"], is_active=True).first()
        if plan is None:
            raise ValidationError({"plan": ["Unknown plan."]})
        try:
            url = checkout_start(
                association=request._request.tenant,
                email=request.user.email,
                plan=plan,
                interval=data.validated_data["interval"],
                return_url=request.build_absolute_uri("/billing/"),
            )
        except AlreadySubscribed as exc:
            raise ValidationError(
                {"detail": ["A subscription exists: change it through the portal."]}
            ) from exc
        except BillingError as exc:
            raise ValidationError({"plan": ["This plan cannot be chosen."]}) from exc
        except gateway.StripeUnavailable:
            return Response({"detail": "The payment service did not answer."}, status=503)
        return Response(RedirectOut({"url": url}).data)


class PortalApi(APIView):
    permission_classes = [IsMember]
    required_action = "billing.manage"

    @extend_schema(request=None, responses=RedirectOut)
    def post(self, request: Request) -> Response:
        _enabled()
        try:
            url = portal_start(
                association=request._request.tenant,
                return_url=request.build_absolute_uri("/billing/"),
            )
        except BillingError as exc:
            raise ValidationError({"detail": ["No subscription to manage yet."]}) from exc
        except gateway.StripeUnavailable:
            return Response({"detail": "The payment service did not answer."}, status=503)
        return Response(RedirectOut({"url": url}).data)
