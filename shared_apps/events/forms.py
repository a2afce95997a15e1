"""Forms of the events pages: they parse input (times in the association's zone, made active
by the views); the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shared_apps.spaces.models import Space

from .models import Answer, AttendeesVisibility
from .recurrence import Freq, Recurrence

WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

REPEAT_CHOICES = [
    ("", _("Does not repeat")),
    ("weekly", _("Every week")),
    ("biweekly", _("Every other week")),
    ("monthly_date", _("Every month on the same date")),
    ("monthly_weekday", _("Every month on the same weekday (e.g. 2nd Tuesday)")),
]


class EventForm(forms.Form):
    space = forms.ModelChoiceField(
        label=_("Space"), queryset=Space.objects.none(), empty_label=None,
        help_text=_("The whole association, or the members of one space."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: **bold**, *italic*, lists with -, [links](https://…)."),
    )
    all_day = forms.BooleanField(label=_("All day"), required=False)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=WHEN)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=WHEN)
    location = forms.CharField(label=_("Place (address)"), required=False, max_length=300)
    online_url = forms.URLField(label=_("Online link"), required=False, max_length=500,
                                assume_scheme="https")
    capacity = forms.IntegerField(label=_("Number of places"), required=False, min_value=1,
                                  help_text=_("Leave empty for no limit."))
    waitlist = forms.BooleanField(label=_("Waiting list when full"), required=False,
                                  initial=True)
    rsvp_deadline = forms.DateTimeField(label=_("Answers close on"), required=False,
                                        widget=WHEN)
    attendees_visibility = forms.ChoiceField(
        label=_("Who sees the list of attendees"), choices=AttendeesVisibility.choices,
        initial=AttendeesVisibility.EVERYONE,
    )
    repeat = forms.ChoiceField(label=_("Repeat"), choices=REPEAT_CHOICES, required=False)
    repeat_until = forms.DateField(label=_("Until (last date)"), required=False, widget=DAY)
    repeat_count = forms.IntegerField(label=_("Or number of times"), required=False,
                                      min_value=1, max_value=500)

    def __init__(self, *args: object, spaces: list[Space] | None = None,
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if spaces is None:
            del self.fields["space"]
        else:
            self.fields["space"].queryset = Space.objects.filter(
                pk__in=[s.pk for s in spaces]
            ).order_by("-is_default", "name")

    def recurrence(self) -> Recurrence | None:
        data = self.cleaned_data
        repeat = data.get("repeat") or ""
        if not repeat:
            return None
        freq = Freq.WEEKLY if repeat in ("weekly", "biweekly") else repeat
        return Recurrence(freq=freq, interval=2 if repeat == "biweekly" else 1,
                          until=data.get("repeat_until"), count=data.get("repeat_count"))


class EventEditForm(EventForm):
    scope = forms.ChoiceField(
        label=_("Change"), required=False,
        choices=[("this", _("This date only")), ("following", _("This date and the following")),
                 ("all", _("Every date"))],
    )


class RsvpForm(forms.Form):
    answer = forms.ChoiceField(choices=Answer.choices)
    at = forms.IntegerField(required=False)


class CheckInForm(forms.Form):
    rsvp = forms.IntegerField()
    present = forms.BooleanField(required=False)
