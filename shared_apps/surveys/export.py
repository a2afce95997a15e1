"""CSV export of a survey's responses: one row per response, one column per question.
UTF-8 with a byte order mark and `;` between cells so that French Excel opens it as is; cells
that a spreadsheet would run as a formula are neutralised."""

from __future__ import annotations

import csv
import io

from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.workspace.csv_safe import safe_cell

from .models import Answer, Question, QuestionKind, Survey
from .selectors import export_rows, questions_of


def _cell(question: Question, answer: Answer | None, labels: dict[int, str]) -> str:
    if answer is None:
        return ""
    kind = question.kind
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return " | ".join(labels.get(pk, "") for pk in answer.choice_ids)
    if kind == QuestionKind.SCALE:
        return "" if answer.number is None else str(answer.number)
    if kind == QuestionKind.YES_NO:
        return {True: _("Yes"), False: _("No")}.get(answer.boolean, "")
    if kind == QuestionKind.DATE:
        return answer.date.isoformat() if answer.date else ""
    return answer.text


def survey_csv(survey: Survey) -> bytes:
    questions = questions_of(survey)
    labels = {c.pk: c.label for q in questions for c in q.choices.all()}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    header = [] if survey.anonymous else [_("Member"), _("Responded at")]
    writer.writerow([safe_cell(h) for h in header + [q.label for q in questions]])
    for row in export_rows(survey):
        cells = [] if survey.anonymous else [
            row.name, timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M") if row.at else "",
        ]
        cells += [_cell(q, row.values.get(q.pk), labels) for q in questions]
        writer.writerow([safe_cell(c) for c in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
