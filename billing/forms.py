"""Operators' forms: trial extension, free grants, and plans.

Prices are typed in euros (``9,50`` or ``9.50``) and stored in cents. A plan never has a
field about members: Cercle sells one flat price per association.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Plan

DAYS_ERROR = _("Enter a number of days between 1 and 365.")


class TrialExtendForm(forms.Form):
    days = forms.IntegerField(
        label=_("Days to add"),
        min_value=1,
        max_value=365,
        error_messages={
            "required": DAYS_ERROR,
            "invalid": DAYS_ERROR,
            "min_value": DAYS_ERROR,
            "max_value": DAYS_ERROR,
        },
    )


class PlanGrantForm(forms.Form):
    plan = forms.ModelChoiceField(
        label=_("Plan"),
        queryset=Plan.objects.all(),
        to_field_name="code",
        empty_label=None,
        error_messages={
            "required": _("Choose a plan."),
            "invalid_choice": _("Choose one of the existing plans."),
        },
    )
    note = forms.CharField(
        label=_("Note (why it is free; operators only)"), max_length=200, required=False
    )


class EuroField(forms.DecimalField):
    """An amount in euros, with a comma or a point; converted to cents by the form."""

    def __init__(self, **kwargs: Any) -> None:
        message = _("Enter an amount in euros, for example 9.50.")
        super().__init__(
            max_digits=9,
            decimal_places=2,
            min_value=Decimal("0"),
            error_messages={
                "invalid": message,
                "min_value": message,
                "max_digits": message,
                "max_decimal_places": message,
                "max_whole_digits": message,
            },
            **kwargs,
        )

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            # French operators type "9,50", sometimes with a space or the euro sign.
            value = value.replace("€", "").replace("\u00a0", "").replace(" ", "")
            value = value.replace(",", ".")
        return super().to_python(value)


def cents_from_euros(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def euros_from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


class PlanForm(forms.ModelForm):
    price_monthly = EuroField(label=_("Monthly price (€)"))
    price_yearly = EuroField(label=_("Yearly price (€)"))
    features_text = forms.CharField(
        label=_("Features"),
        help_text=_("One per line, shown on the pricing page."),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )

    class Meta:
        model = Plan
        fields = [
            "name",
            "code",
            "description",
            "stripe_price_monthly",
            "stripe_price_yearly",
            "storage_quota_mb",
            "is_active",
            "sort_order",
        ]
        labels = {
            "name": _("Name"),
            "code": _("Code"),
            "description": _("Description"),
            "stripe_price_monthly": _("Stripe price id, monthly"),
            "stripe_price_yearly": _("Stripe price id, yearly"),
            "storage_quota_mb": _("Storage quota (MB)"),
            "is_active": _("Offered (shown on the pricing page)"),
            "sort_order": _("Order"),
        }
        help_texts = {
            "code": _("Letters, digits and hyphens; used in links and the API."),
            "stripe_price_monthly": _("For example price_1Pg…; leave empty to not offer it."),
            "stripe_price_yearly": _("For example price_1Pg…; leave empty to not offer it."),
        }

    field_order = [
        "name",
        "code",
        "description",
        "price_monthly",
        "price_yearly",
        "stripe_price_monthly",
        "stripe_price_yearly",
        "storage_quota_mb",
        "features_text",
        "is_active",
        "sort_order",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plan = self.instance
        if plan.pk is not None:
            self.initial.setdefault("price_monthly", euros_from_cents(plan.price_monthly_cents))
            self.initial.setdefault("price_yearly", euros_from_cents(plan.price_yearly_cents))
            self.initial.setdefault("features_text", "\n".join(plan.features or []))

    def clean_features_text(self) -> list[str]:
        lines = self.cleaned_data.get("features_text") or ""
        return [line.strip() for line in lines.splitlines() if line.strip()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for price in ("stripe_price_monthly", "stripe_price_yearly"):
            value = (cleaned.get(price) or "").strip()
            if value and not value.startswith("price_"):
                self.add_error(price, ValidationError(_("A Stripe price id starts with price_.")))
            cleaned[price] = value
        return cleaned

    def save(self, commit: bool = True) -> Plan:
        plan: Plan = super().save(commit=False)
        plan.price_monthly_cents = cents_from_euros(self.cleaned_data["price_monthly"])
        plan.price_yearly_cents = cents_from_euros(self.cleaned_data["price_yearly"])
        plan.features = self.cleaned_data["features_text"]
        if commit:
            plan.save()
        return plan
