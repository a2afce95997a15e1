"""Forms of the news pages: they parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shared_apps.spaces.models import Space

from .models import Emoji


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the list may be empty)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: object, initial: object = None) -> list:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


DEADLINE_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AnnouncementForm(forms.Form):
    space = forms.ModelChoiceField(
        label=_("Audience"), queryset=Space.objects.none(), empty_label=None,
        help_text=_("The whole association, or the members of one space."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 10}), max_length=50_000,
        help_text=_("Markdown: **bold**, *italic*, lists with -, [links](https://…)."),
    )
    files = MultipleFileField(
        label=_("Images and attachments"),
        help_text=_("Images (PNG, JPEG, GIF, WebP), PDF and office documents; 10 MB each."),
    )
    pinned = forms.BooleanField(label=_("Pin at the top of the news"), required=False)
    requires_ack = forms.BooleanField(
        label=_("Members must confirm they have read it (“lu et approuvé”)"), required=False
    )
    ack_deadline = forms.DateTimeField(
        label=_("Deadline to confirm"), required=False, widget=DEADLINE_WIDGET
    )

    def __init__(self, *args: object, spaces: list[Space], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["space"]
        field.queryset = Space.objects.filter(pk__in=[s.pk for s in spaces]).order_by(
            "-is_default", "name"
        )
        default = next((s for s in spaces if s.is_default), spaces[0] if spaces else None)
        if default is not None and not self.is_bound:
            self.initial.setdefault("space", default.pk)


class AnnouncementEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 10}), max_length=50_000
    )
    files = MultipleFileField(label=_("Add images and attachments"))
    ack_deadline = forms.DateTimeField(
        label=_("Deadline to confirm"), required=False, widget=DEADLINE_WIDGET
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReactionForm(forms.Form):
    emoji = forms.ChoiceField(choices=Emoji.choices)
