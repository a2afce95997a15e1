from __future__ import annotations

from django import forms

from .models import Category, Channel


class PreferencesForm(forms.Form):
    """One choice of channel per category."""

    def __init__(self, *args: object, initial: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, initial=initial, **kwargs)
        for category in Category:
            self.fields[category.value] = forms.ChoiceField(
                label=category.label, choices=Channel.choices
            )
