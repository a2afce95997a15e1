"""Forms of the polls pages: they parse input; the services decide."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from shared_apps.spaces.models import Space

from .models import PollKind, ResultsVisibility
from .services import Slot

SLOT_ROWS = 8
DEADLINE_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PollForm(forms.Form):
    space = forms.ModelChoiceField(
        label=_("Audience"), queryset=Space.objects.none(), empty_label=None,
        help_text=_("The whole association, or the members of one space."),
    )
    kind = forms.ChoiceField(label=_("Kind of poll"), choices=PollKind.choices,
                             widget=forms.RadioSelect, initial=PollKind.SINGLE)
    question = forms.CharField(label=_("Question"), max_length=200)
    description = forms.CharField(
        label=_("Details (optional)"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    options = forms.CharField(
        label=_("Options"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One option per line, at least two (not for a date poll)."),
    )
    min_choices = forms.IntegerField(
        label=_("Minimum number of choices"), min_value=1, max_value=30, initial=1,
        required=False, help_text=_("Multiple choice: the fewest options to tick; ranked "
                                    "choice: the fewest options to rank."),
    )
    max_choices = forms.IntegerField(
        label=_("Maximum number of choices"), min_value=1, max_value=30, initial=2,
        required=False, help_text=_("Multiple choice only."),
    )
    anonymous = forms.BooleanField(
        label=_("Anonymous vote (nobody, not even the board, can see who voted what)"),
        required=False,
    )
    results_visibility = forms.ChoiceField(
        label=_("Show the results"), choices=ResultsVisibility.choices,
        initial=ResultsVisibility.ALWAYS,
    )
    deadline = forms.DateTimeField(
        label=_("Deadline (optional)"), required=False, widget=DEADLINE_WIDGET,
        help_text=_("The poll closes by itself at this time; you can also close it by hand."),
    )

    def __init__(
        self, *args: object, spaces: list[Space] | None = None, zone: str = "Europe/Paris",
        editing: bool = False, options_locked: bool = False, kind: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.zone = ZoneInfo(zone)
        self.fields["deadline"].widget = DEADLINE_WIDGET
        if editing:
            for name in ("space", "kind", "anonymous"):
                del self.fields[name]
            self.kind = kind
            if options_locked or kind == PollKind.DATE:
                for name in ("min_choices", "max_choices"):
                    del self.fields[name]
            if options_locked or kind == PollKind.DATE:
                del self.fields["options"]
            if kind == PollKind.DATE:
                del self.fields["results_visibility"]
        else:
            self.kind = None
            field = self.fields["space"]
            field.queryset = Space.objects.filter(pk__in=[s.pk for s in spaces or []]).order_by(
                "-is_default", "name"
            )
            default = next((s for s in spaces or [] if s.is_default), None)
            if default is not None and not self.is_bound:
                self.initial.setdefault("space", default.pk)
        self.with_slots = not (editing and (options_locked or kind != PollKind.DATE))
        if self.with_slots:
            for i in range(SLOT_ROWS):
                self.fields[f"slot_date_{i}"] = forms.DateField(
                    label=_("Day"), required=False,
                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
                self.fields[f"slot_start_{i}"] = forms.TimeField(
                    label=_("From"), required=False,
                    widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
                self.fields[f"slot_end_{i}"] = forms.TimeField(
                    label=_("To"), required=False,
                    widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def slot_rows(self) -> list[tuple]:
        if not self.with_slots:
            return []
        return [(self[f"slot_date_{i}"], self[f"slot_start_{i}"], self[f"slot_end_{i}"])
                for i in range(SLOT_ROWS)]

    def clean(self) -> dict:
        cleaned = super().clean()
        slots = []
        if self.with_slots:
            for i in range(SLOT_ROWS):
                day = cleaned.get(f"slot_date_{i}")
                start, end = cleaned.get(f"slot_start_{i}"), cleaned.get(f"slot_end_{i}")
                if day is None and start is None and end is None:
                    continue
                if day is None or start is None or end is None:
                    self.add_error(f"slot_date_{i}",
                                   _("Give the day, the start and the end of each slot."))
                    continue
                # The association's time zone: "18:00" means 18:00 where it meets.
                slots.append(Slot(datetime.combine(day, start, tzinfo=self.zone),
                                  datetime.combine(day, end, tzinfo=self.zone)))
        cleaned["slots"] = slots
        cleaned["option_labels"] = [
            line.strip() for line in (cleaned.get("options") or "").splitlines() if line.strip()
        ]
        return cleaned


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("Receipt code"), required=False, max_length=40,
        help_text=_("The code you were shown when you voted, to change an anonymous vote."),
    )
