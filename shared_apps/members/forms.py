"""Input of the members pages: each form says what is wrong, in the member's language."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from .csv_import import FIELDS, MAX_BYTES
from .models import MemberProfile, Role

MAX_EMAILS = 200


class ProfileForm(forms.ModelForm):
    class Meta:
        model = MemberProfile
        fields = ["display_name", "phone", "bio", "email_visibility", "phone_visibility"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"display_name": _("Leave empty to use your account's name.")}

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not re.fullmatch(r"[0-9+().\s-]{4,30}", phone):
            raise ValidationError(_("Enter a phone number (digits, spaces, + . - only)."))
        return phone


def parse_emails(text: str) -> tuple[list[str], list[str]]:
    """Split a pasted list (commas, semicolons, spaces or new lines): (valid, invalid)."""
    valid: list[str] = []
    invalid: list[str] = []
    for raw in re.split(r"[\s,;]+", text):
        email = raw.strip().strip("<>").lower()
        if not email:
            continue
        try:
            validate_email(email)
        except ValidationError:
            invalid.append(raw.strip())
            continue
        if email not in valid:
            valid.append(email)
    return valid, invalid


class InviteForm(forms.Form):
    emails = forms.CharField(
        label=_("Email addresses"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One or many, separated by commas or new lines."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)
    title = forms.CharField(label=_("Title"), max_length=80, required=False)

    def __init__(self, *args: object, roles: list[str] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if roles is not None:
            self.fields["role"].choices = [c for c in Role.choices if c[0] in roles]

    def clean_emails(self) -> list[str]:
        valid, invalid = parse_emails(self.cleaned_data["emails"])
        if invalid:
            raise ValidationError(
                _("Not valid email addresses: %(list)s"), params={"list": ", ".join(invalid)}
            )
        if not valid:
            raise ValidationError(_("Enter at least one email address."))
        if len(valid) > MAX_EMAILS:
            raise ValidationError(
                _("At most %(max)d addresses at once."), params={"max": MAX_EMAILS}
            )
        return valid


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    title = forms.CharField(label=_("Title"), max_length=80, required=False)


class AcceptNewAccountForm(forms.Form):
    full_name = forms.CharField(
        label=_("Your name"), max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        validate_password(password)
        return password


class AcceptExistingAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class JoinForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Your email address"))
    message = forms.CharField(
        label=_("Message to the board"), required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class MembersSettingsForm(forms.Form):
    join_requests_open = forms.BooleanField(
        label=_("Anyone may ask to join"), required=False,
    )


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("2 MB at most."))

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(_("The file is too large (2 MB at most)."))
        return upload


class ImportMappingForm(forms.Form):
    """Which column holds what (guessed, editable), the role for rows without one, and when
    the invitations go out."""

    default_role = forms.ChoiceField(
        label=_("Role when the file gives none"), choices=Role.choices, initial=Role.MEMBER
    )
    send = forms.ChoiceField(
        label=_("Invitations"),
        choices=[("now", _("Send them now")), ("later", _("Save them, send later"))],
        initial="now", widget=forms.RadioSelect,
    )

    def __init__(
        self, *args: object, header: list[str], roles: list[str], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        columns = [("", _("(none)"))] + [(str(i), label) for i, label in enumerate(header)]
        for name, label in FIELDS:
            self.fields[f"col_{name}"] = forms.TypedChoiceField(
                label=label, choices=columns, required=name == "email", coerce=int,
                empty_value=None,
            )
        self.fields["default_role"].choices = [c for c in Role.choices if c[0] in roles]

    def mapping(self) -> dict[str, int | None]:
        return {name: self.cleaned_data.get(f"col_{name}") for name, _label in FIELDS}

