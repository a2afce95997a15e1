"""Forms of the documents pages (the checks themselves live in the services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))
    description = forms.CharField(
        label=_("Description (optional)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    folder = forms.IntegerField(required=False, widget=forms.HiddenInput)


class FolderForm(forms.Form):
    name = forms.CharField(label=_("Folder name"), max_length=120)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MoveForm(forms.Form):
    """`folder`: a folder id of the same space, or empty for the top of the library."""

    folder = forms.TypedChoiceField(label=_("Move to"), coerce=int, empty_value=None,
                                    required=False)

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["folder"].choices = choices
