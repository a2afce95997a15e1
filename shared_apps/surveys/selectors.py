"""Read queries of the surveys app. Every query a member's request makes goes through
`surveys_for`, which keeps only the spaces they may read (private spaces of which they are not
part never show, anywhere) and hides other people's drafts."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from shared_apps.members.models import Membership
from shared_apps.members.policy import can
from shared_apps.members.selectors import member_display_names
from shared_apps.spaces.models import Space, SpaceMembership, SpaceMembershipStatus, SpaceRole
from shared_apps.spaces.selectors import spaces_readable
from shared_apps.workspace.anonymity import receipt_hash

from .models import (
    CHOICE_KINDS,
    TEXT_KINDS,
    Answer,
    Participation,
    Question,
    QuestionKind,
    Response,
    Survey,
)


def surveys_for(*, user_id: int) -> QuerySet[Survey]:
    """Surveys this member may see: in readable spaces, open or closed, and their own drafts
    (other drafts are checked one by one by `policy.can_view`)."""
    return Survey.objects.filter(space_id__in=spaces_readable(user_id=user_id).values("id"))


def survey_for_reader(*, user_id: int, pk: int) -> Survey | None:
    return surveys_for(user_id=user_id).select_related("space").filter(pk=pk).first()


def surveys_list(*, membership: Membership) -> QuerySet[Survey]:
    """The list (page and API), newest first, with whether the member responded and how many
    did — in one query whatever the number of rows. Drafts: one's own, and all of them for
    board and staff."""
    user_id = membership.user_id
    rows = surveys_for(user_id=user_id)
    if not can(membership, "surveys.create_everyone"):
        rows = rows.filter(Q(opened_at__isnull=False) | Q(author_id=user_id))
    return (
        rows.select_related("space")
        .annotate(
            has_responded=Exists(
                Participation.objects.filter(survey=OuterRef("pk"), user_id=user_id)
            ),
            response_count=Count("participations", distinct=True),
        )
        .order_by("-created_at", "-id")
    )


def creatable_spaces(membership: Membership) -> list[Space]:
    """Where this member may create surveys (the rule of `policy.can_create_in`, in two
    queries): everyone for board and staff, and the spaces they moderate."""
    if not membership.is_active:
        return []
    candidates = spaces_readable(user_id=membership.user_id).filter(archived_at__isnull=True)
    if not can(membership, "spaces.manage_any"):
        moderated = SpaceMembership.objects.filter(
            user_id=membership.user_id, status=SpaceMembershipStatus.ACTIVE,
            role=SpaceRole.MODERATOR,
        ).values("space_id")
        candidates = candidates.filter(Q(is_default=True) | Q(id__in=moderated))
    everyone = can(membership, "surveys.create_everyone")
    return [space for space in candidates.order_by("-is_default", "name")
            if everyone or not space.is_default]


def questions_of(survey: Survey) -> list[Question]:
    return list(survey.questions.prefetch_related("choices"))


def question_for_reader(*, user_id: int, pk: int) -> Question | None:
    return (
        Question.objects.filter(pk=pk, survey__in=surveys_for(user_id=user_id))
        .select_related("survey", "survey__space")
        .first()
    )


def participation_of(*, survey: Survey, user_id: int) -> Participation | None:
    return Participation.objects.filter(survey=survey, user_id=user_id).first()


def survey_receipt_hash(survey: Survey, receipt: str) -> str:
    """Bound to the survey only, as for polls: were the member in it too, a code that leaked
    (a log, a shared computer) would name its respondent by trying each member in turn."""
    return receipt_hash(f"cercle.surveys:{survey.pk}", receipt)


def anonymous_response(*, survey: Survey, receipt: str | None) -> Response | None:
    """The anonymous response of whoever holds this receipt code."""
    if not survey.anonymous or not receipt:
        return None
    return Response.objects.filter(
        survey=survey, receipt_hash=survey_receipt_hash(survey, receipt)
    ).first()


def my_response_id(*, survey: Survey, user_id: int, receipt: str | None = None) -> object:
    """The id of the member's own response, or None. For an anonymous survey only the holder
    of the receipt code can find it (nothing else links the member to their answers)."""
    if survey.anonymous:
        response = anonymous_response(survey=survey, receipt=receipt)
        return response.pk if response else None
    participation = participation_of(survey=survey, user_id=user_id)
    return participation.response_id if participation else None


def answers_by_question(response_id: object) -> dict[int, Answer]:
    if response_id is None:
        return {}
    return {a.question_id: a for a in Answer.objects.filter(response_id=response_id)}


def my_answers(*, survey: Survey, user_id: int, receipt: str | None = None) -> dict[int, Answer]:
    """The member's own answers by question id (see `my_response_id`)."""
    return answers_by_question(my_response_id(survey=survey, user_id=user_id, receipt=receipt))


def answer_as_raw(answer: Answer, kind: str) -> object:
    """A stored answer as a form would post it (to show it again for editing)."""
    if kind == QuestionKind.MULTIPLE:
        return [str(pk) for pk in answer.choice_ids]
    if kind == QuestionKind.SINGLE:
        return str(answer.choice_ids[0]) if answer.choice_ids else ""
    if kind == QuestionKind.SCALE:
        return "" if answer.number is None else str(answer.number)
    if kind == QuestionKind.YES_NO:
        return {True: "yes", False: "no"}.get(answer.boolean, "")
    if kind == QuestionKind.DATE:
        return answer.date.isoformat() if answer.date else ""
    return answer.text


# --- Results ------------------------------------------------------------------------------------


@dataclass
class Bar:
    label: str
    count: int
    percent: float  # of those who answered the question


@dataclass
class QuestionResult:
    question: Question
    answered: int  # how many responses answer it
    bars: list[Bar] = field(default_factory=list)
    mean: float | None = None  # scales
    texts: list[str] = field(default_factory=list)  # free text, dates


@dataclass
class Results:
    survey: Survey
    response_count: int
    questions: list[QuestionResult]


def _percent(count: int, total: int) -> float:
    return round(100 * count / total, 1) if total else 0.0


def _bars(pairs: list[tuple[str, int]], total: int) -> list[Bar]:
    return [Bar(label, count, _percent(count, total)) for label, count in pairs]


def results_of(survey: Survey) -> Results:
    """Per question: counts and percentages (of those who answered it), the mean of scales,
    free-text answers listed. Four queries whatever the number of questions and responses.
    Answers are taken in the order of their random keys: nothing reveals who answered when."""
    from django.utils.translation import gettext as _

    questions = questions_of(survey)
    by_question: dict[int, list[Answer]] = {q.pk: [] for q in questions}
    for answer in Answer.objects.filter(response__survey=survey).order_by("id"):
        by_question.setdefault(answer.question_id, []).append(answer)
    out = []
    for question in questions:
        answers = by_question[question.pk]
        total = len(answers)
        result = QuestionResult(question, total)
        if question.kind in CHOICE_KINDS:
            counts = Counter(pk for a in answers for pk in a.choice_ids)
            result.bars = _bars([(c.label, counts[c.pk]) for c in question.choices.all()], total)
        elif question.kind == QuestionKind.YES_NO:
            counts = Counter(a.boolean for a in answers)
            result.bars = _bars([(_("Yes"), counts[True]), (_("No"), counts[False])], total)
        elif question.kind == QuestionKind.SCALE:
            counts = Counter(a.number for a in answers)
            values = range(question.scale_min, question.scale_max + 1)
            result.bars = _bars([(str(v), counts[v]) for v in values], total)
            if total:
                result.mean = round(sum(a.number for a in answers) / total, 2)
        elif question.kind in TEXT_KINDS:
            result.texts = [a.text for a in answers]
        elif question.kind == QuestionKind.DATE:
            counts = Counter(a.date for a in answers)
            result.bars = _bars(
                [(_date_label(day), counts[day]) for day in sorted(counts)], total
            )
        out.append(result)
    return Results(survey, survey.participations.count(), out)


def _date_label(day: dt.date) -> str:
    from django.utils.formats import date_format

    return date_format(day, "SHORT_DATE_FORMAT")


@dataclass
class ExportRow:
    name: str
    at: dt.datetime | None
    values: dict[int, Answer]


def export_rows(survey: Survey) -> list[ExportRow]:
    """One row per response. Named survey: with the member's name and time, oldest first.
    Anonymous: neither, in the order of the random keys."""
    answers: dict[object, dict[int, Answer]] = {}
    for answer in Answer.objects.filter(response__survey=survey).order_by("response_id"):
        answers.setdefault(answer.response_id, {})[answer.question_id] = answer
    response_ids = list(survey.responses.order_by("id").values_list("id", flat=True))
    if survey.anonymous:
        return [ExportRow("", None, answers.get(pk, {})) for pk in response_ids]
    participations = list(
        survey.participations.filter(response__isnull=False).order_by("created_at", "id")
    )
    names = member_display_names({p.user_id for p in participations})
    return [
        ExportRow(names.get(p.user_id, ""), p.updated_at, answers.get(p.response_id, {}))
        for p in participations
    ]
