"""Forms of the base domain: association signup and the operators' console."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from .accounts.models import User
from .address import MAX_LENGTH, address_errors, suggest_address
from .models import Association


class AddressField(forms.CharField):
    def clean(self, value: Any) -> str:
        value = (super().clean(value) or "").strip().lower()
        if not value:
            return ""  # the form suggests one from the name
        errors = address_errors(value)
        if errors:
            raise forms.ValidationError(errors)
        return value


class SignupForm(forms.Form):
    """Association signup. Account fields are dropped when the person is already signed in."""

    name = forms.CharField(
        label=_("Name of the association"), max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    slug = AddressField(
        label=_("Address of your workspace"),
        required=False,
        max_length=MAX_LENGTH,
        help_text=_("Lowercase letters, digits and hyphens. You can change the suggestion."),
        widget=forms.TextInput(
            attrs={"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"}
        ),
    )
    full_name = forms.CharField(
        label=_("Your name"), max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Choose a password"),
        help_text=_("At least 10 characters."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    accept_terms = forms.BooleanField(
        label=_("I accept the terms of service and the privacy policy"),
        error_messages={"required": _("You must accept the terms to create a workspace.")},
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user if user is not None and user.is_authenticated else None
        if self.user is not None:
            for field in ("full_name", "email", "password"):
                del self.fields[field]

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"] or suggest_address(self.cleaned_data.get("name", ""))
        if Association.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("This address is already taken."), code="taken")
        return slug

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("An account already uses this email address. Sign in first, then create "
                  "your association."),
                code="account_exists",
            )
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        password = data.get("password")
        if password:
            candidate = User(email=data.get("email", ""), full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (shown to operators only)"), max_length=300, required=False
    )
