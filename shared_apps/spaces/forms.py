"""Forms of the spaces pages (the API's serializers reuse the same services and rules)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Visibility
from .selectors import SpaceMember


def _choices(people: list[SpaceMember]) -> list[tuple[str, str]]:
    return [(str(p.user_id), p.name) for p in people]


class SpaceEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    visibility = forms.ChoiceField(
        label=_("Who may see and join it"), choices=Visibility.choices,
        widget=forms.RadioSelect, initial=Visibility.OPEN,
    )


class SpaceCreateForm(SpaceEditForm):
    moderators = forms.TypedMultipleChoiceField(
        label=_("Other moderators"), required=False, coerce=int,
        help_text=_("You moderate the space you create; choose others among active members."),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: object, people: list[SpaceMember], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["moderators"].choices = _choices(people)


class PersonForm(forms.Form):
    """One member chosen among a list (add to the space, successor as moderator)."""

    person = forms.TypedChoiceField(label=_("Member"), coerce=int)

    def __init__(
        self, *args: object, people: list[SpaceMember], label: str | None = None,
        required: bool = True, **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        field.choices = ([("", "—")] if not required else []) + _choices(people)
        field.required = required
        field.empty_value = None
        if label:
            field.label = label


class SpacesSettingsForm(forms.Form):
    members_may_create = forms.BooleanField(
        label=_("Every member may create spaces"), required=False,
        help_text=_("Otherwise only board administrators and staff create spaces."),
    )
