"""Forms of the feedback pages: they parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shared_apps.news.forms import MultipleFileField

from .models import ItemKind, ItemStatus, Theme


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What are you reporting?"), choices=ItemKind.choices, widget=forms.RadioSelect,
    )
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.none(),
                                   required=False)
    title = forms.CharField(label=_("Title"), max_length=200,
                            help_text=_("In a few words, for example “Leaking tap at the hall”."))
    description = forms.CharField(
        label=_("Description"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 6}),
    )
    place = forms.CharField(
        label=_("Place or site"), max_length=200, required=False,
        help_text=_("Optional: where it happens."),
    )
    files = MultipleFileField(
        label=_("Photos and documents"),
        help_text=_("Optional. Images (PNG, JPEG, GIF, WebP), PDF and office documents; "
                    "10 MB each, 5 files at most."),
    )
    anonymous = forms.BooleanField(
        label=_("Report anonymously (even the board will not know it was me)"), required=False,
    )

    def __init__(self, *args: object, themes: list[Theme], anonymous_allowed: bool,
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["theme"]
        field.queryset = Theme.objects.filter(pk__in=[t.pk for t in themes]).order_by("name")
        field.required = bool(themes)
        if not themes:
            del self.fields["theme"]
        if not anonymous_allowed:
            del self.fields["anonymous"]


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All open and closed"))] + ItemStatus.choices)
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.all(),
                                   required=False, empty_label=_("All themes"))
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("All kinds"))] + ItemKind.choices)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)

    def __init__(self, *args: object, handlers: list[tuple[int, str]],
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            ("", _("Anyone")), ("none", _("Nobody yet"))
        ] + [(str(user_id), name) for user_id, name in handlers]


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assign to"), required=False)

    def __init__(self, *args: object, handlers: list[tuple[int, str]],
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Nobody"))] + [
            (str(user_id), name) for user_id, name in handlers
        ]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ItemStatus.choices)


class TextForm(forms.Form):
    body = forms.CharField(label=_("Text"), max_length=10_000,
                           widget=forms.Textarea(attrs={"rows": 4}))


class MergeForm(forms.Form):
    into = forms.IntegerField(
        label=_("Number of the item to keep"), min_value=1,
        help_text=_("This item will be closed as its duplicate; its supporters move there."),
    )


class ThemeForm(forms.Form):
    name = forms.CharField(label=_("Name of the theme"), max_length=80)


class SettingsForm(forms.Form):
    supports_enabled = forms.BooleanField(
        label=_("Members may support ideas (+1): open ideas are then shown to every member"),
        required=False,
    )
    anonymous_allowed = forms.BooleanField(label=_("Accept anonymous reports"), required=False)
