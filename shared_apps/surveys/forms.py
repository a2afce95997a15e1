"""Forms of the survey pages: they parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shared_apps.spaces.models import Space

from .models import QuestionKind

DEADLINE_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class SurveyEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    introduction = forms.CharField(
        label=_("Introduction"), required=False, max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the survey is for, and what happens with the answers."),
    )
    anonymous = forms.BooleanField(
        label=_("Anonymous: nobody, not even the board, can know who answered what"),
        required=False,
    )
    results_to_respondents = forms.BooleanField(
        label=_("Show the results to those who responded"), required=False
    )
    closes_at = forms.DateTimeField(
        label=_("Deadline"), required=False, widget=DEADLINE_WIDGET,
        help_text=_("Optional. Responses are accepted until then."),
    )


class SurveyForm(SurveyEditForm):
    space = forms.ModelChoiceField(
        label=_("Audience"), queryset=Space.objects.none(), empty_label=None,
        help_text=_("The whole association, or the members of one space."),
    )
    field_order = ["space", "title", "introduction", "anonymous", "results_to_respondents",
                   "closes_at"]

    def __init__(self, *args: object, spaces: list[Space], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["space"]
        field.queryset = Space.objects.filter(pk__in=[s.pk for s in spaces]).order_by(
            "-is_default", "name"
        )
        default = next((s for s in spaces if s.is_default), spaces[0] if spaces else None)
        if default is not None and not self.is_bound:
            self.initial.setdefault("space", default.pk)


SCALE_MIN_CHOICES = [(0, "0"), (1, "1")]
SCALE_MAX_CHOICES = [(n, str(n)) for n in range(3, 11)]


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type of question"), choices=QuestionKind.choices)
    label = forms.CharField(label=_("Question"), max_length=300)
    help_text = forms.CharField(label=_("Hint (optional)"), max_length=500, required=False)
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    choices = forms.CharField(
        label=_("Choices"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Single or multiple choice: one choice per line."),
    )
    scale_min = forms.TypedChoiceField(
        label=_("Scale from"), choices=SCALE_MIN_CHOICES, coerce=int, initial=1, required=False
    )
    scale_max = forms.TypedChoiceField(
        label=_("Scale to"), choices=SCALE_MAX_CHOICES, coerce=int, initial=5, required=False
    )
    scale_min_label = forms.CharField(
        label=_("Word for the lowest value"), max_length=60, required=False,
        help_text=_("For example: not at all"),
    )
    scale_max_label = forms.CharField(
        label=_("Word for the highest value"), max_length=60, required=False,
        help_text=_("For example: completely"),
    )

    def spec(self) -> object:
        from .services import QuestionSpec

        data = self.cleaned_data
        return QuestionSpec(
            kind=data["kind"], label=data["label"], help_text=data["help_text"],
            required=data["required"], choices=data["choices"].splitlines(),
            scale_min=data.get("scale_min") if data.get("scale_min") != "" else None,
            scale_max=data.get("scale_max") if data.get("scale_max") != "" else None,
            scale_min_label=data["scale_min_label"], scale_max_label=data["scale_max_label"],
        )
