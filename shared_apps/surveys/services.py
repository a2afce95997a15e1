"""What happens in the surveys app. Views and API endpoints check the policy, then call one of
these; each runs in one transaction. Bad input raises `ValidationError` with translated
messages keyed by field (a question's answer: "q<question id>") and changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shared_apps.members.models import Membership
from shared_apps.members.selectors import membership_active_for
from shared_apps.notifications.models import Activity, Category
from shared_apps.notifications.services import (
    activity_record,
    notify,
    phrase,
    recipient_languages,
)
from shared_apps.search.models import Kind
from shared_apps.search.services import search_index, search_unindex, search_unindex_kind
from shared_apps.spaces.models import Space
from shared_apps.spaces.selectors import space_member_user_ids
from shared_apps.workspace.anonymity import (
    receipt_new,
    rows_shuffle,
    vacuum_after_commit,
)
from shared_apps.workspace.signed_links import LinkInvalid, link_ids, link_token

from .models import (
    CHOICE_KINDS,
    Answer,
    Choice,
    Participation,
    Question,
    QuestionKind,
    Response,
    Survey,
)
from .selectors import anonymous_response, survey_receipt_hash

URLCONF = "cercle.urls_tenants"  # tasks reverse too, outside any request
RESPOND_PURPOSE = "surveys.respond"
# A signed link keeps working while the survey is open; this bounds links to surveys without
# a deadline.
LINK_MAX_AGE = 365 * 24 * 3600
# Those who have not responded are reminded once, in the day before the deadline — for
# surveys that were open longer than that (a shorter survey's opening notice is recent enough).
REMIND_BEFORE = timedelta(hours=24)
TARGET_TYPE = "surveys.survey"
MAX_TITLE = 200
MAX_INTRODUCTION = 10_000
MAX_LABEL = 300
MAX_HELP = 500
MAX_CHOICE = 200
MAX_CHOICES = 50
MAX_QUESTIONS = 100
MAX_SHORT_TEXT = 500
MAX_LONG_TEXT = 10_000
SCALE_MINIMA = (0, 1)
SCALE_LARGEST = 10
YES = ("yes", "true", "1", "oui", "on")
NO = ("no", "false", "0", "non")


def survey_url(survey: Survey) -> str:
    return reverse("surveys_detail", kwargs={"pk": survey.pk}, urlconf=URLCONF)


def respond_link_path(survey: Survey, user_id: int) -> str:
    """A link for one member to respond from an email, without signing in."""
    token = link_token(RESPOND_PURPOSE, {"s": survey.pk, "u": user_id})
    return reverse("surveys_respond_link", kwargs={"token": token}, urlconf=URLCONF)


def respond_link_resolve(token: str) -> tuple[Survey, Membership]:
    """The survey and the membership a signed link is for, or LinkInvalid (tampered with,
    made for another association or purpose, survey gone, or no longer a member). Whether they
    may still respond is the policy's call (`policy.can_respond`)."""
    survey_id, user_id = link_ids(RESPOND_PURPOSE, token, "s", "u", max_age_seconds=LINK_MAX_AGE)
    survey = Survey.objects.select_related("space").filter(pk=survey_id).first()
    membership = membership_active_for(user_id=user_id)
    if survey is None or survey.is_draft or membership is None:
        raise LinkInvalid("invalid")
    return survey, membership


@dataclass
class QuestionSpec:
    """A question as the author wrote it (from a form or the API)."""

    kind: str
    label: str
    help_text: str = ""
    required: bool = False
    choices: list[str] = field(default_factory=list)
    scale_min: int | None = None
    scale_max: int | None = None
    scale_min_label: str = ""
    scale_max_label: str = ""


# --- Checking what the author wrote -------------------------------------------------------------


def _clean_survey(title: str, introduction: str) -> tuple[str, str]:
    title, introduction = (title or "").strip(), (introduction or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Give the survey a title.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [
            _("The title is too long (%(max)s characters at most).") % {"max": MAX_TITLE}
        ]
    if len(introduction) > MAX_INTRODUCTION:
        errors["introduction"] = [
            _("The introduction is too long (%(max)s characters at most).")
            % {"max": MAX_INTRODUCTION}
        ]
    if errors:
        raise ValidationError(errors)
    return title, introduction


def _check_deadline(closes_at: datetime | None) -> None:
    if closes_at is not None and closes_at <= timezone.now():
        raise ValidationError({"closes_at": [_("The deadline must be in the future.")]})


def _clean_question(spec: QuestionSpec, prefix: str = "") -> QuestionSpec:
    """The spec tidied up, or ValidationError keyed by `prefix` + field name."""
    errors: dict[str, list[str]] = {}
    label = (spec.label or "").strip()
    help_text = (spec.help_text or "").strip()
    if spec.kind not in QuestionKind.values:
        errors[prefix + "kind"] = [_("Choose the type of the question.")]
    if not label:
        errors[prefix + "label"] = [_("Write the question.")]
    elif len(label) > MAX_LABEL:
        errors[prefix + "label"] = [
            _("The question is too long (%(max)s characters at most).") % {"max": MAX_LABEL}
        ]
    if len(help_text) > MAX_HELP:
        errors[prefix + "help_text"] = [
            _("The hint is too long (%(max)s characters at most).") % {"max": MAX_HELP}
        ]
    choices: list[str] = []
    scale = (None, None, "", "")
    if spec.kind in CHOICE_KINDS:
        choices = [c.strip() for c in spec.choices if c and c.strip()]
        folded = [c.casefold() for c in choices]
        if len(choices) < 2:
            errors[prefix + "choices"] = [_("Give at least two choices.")]
        elif len(choices) > MAX_CHOICES:
            errors[prefix + "choices"] = [
                _("Too many choices (%(max)s at most).") % {"max": MAX_CHOICES}
            ]
        elif len(set(folded)) != len(folded):
            errors[prefix + "choices"] = [_("Each choice must be different.")]
        elif any(len(c) > MAX_CHOICE for c in choices):
            errors[prefix + "choices"] = [
                _("A choice is too long (%(max)s characters at most).") % {"max": MAX_CHOICE}
            ]
    elif spec.kind == QuestionKind.SCALE:
        low = 1 if spec.scale_min is None else spec.scale_min
        high = 5 if spec.scale_max is None else spec.scale_max
        if low not in SCALE_MINIMA or not (low + 2 <= high <= SCALE_LARGEST):
            errors[prefix + "scale_max"] = [
                _("A scale starts at 0 or 1 and ends between 3 and 10.")
            ]
        low_label = (spec.scale_min_label or "").strip()[:60]
        high_label = (spec.scale_max_label or "").strip()[:60]
        scale = (low, high, low_label, high_label)
    if errors:
        raise ValidationError(errors)
    return QuestionSpec(
        kind=spec.kind, label=label, help_text=help_text, required=bool(spec.required),
        choices=choices, scale_min=scale[0], scale_max=scale[1],
        scale_min_label=scale[2], scale_max_label=scale[3],
    )


def _question_fields(spec: QuestionSpec) -> dict:
    return {
        "kind": spec.kind, "label": spec.label, "help_text": spec.help_text,
        "required": spec.required, "scale_min": spec.scale_min, "scale_max": spec.scale_max,
        "scale_min_label": spec.scale_min_label, "scale_max_label": spec.scale_max_label,
    }


def _create_question(survey: Survey, spec: QuestionSpec, position: int) -> Question:
    question = Question.objects.create(survey=survey, position=position, **_question_fields(spec))
    Choice.objects.bulk_create(
        [Choice(question=question, label=label, position=i) for i, label in enumerate(spec.choices)]
    )
    return question


def _index(survey: Survey) -> None:
    """Open surveys are searchable by the readers of their space; drafts are not."""
    if survey.is_draft:
        search_unindex(kind=Kind.SURVEY, object_id=survey.pk)
        return
    labels = "\n".join(survey.questions.values_list("label", flat=True))
    search_index(
        kind=Kind.SURVEY, object_id=survey.pk, title=survey.title,
        body=f"{survey.introduction}\n{labels}".strip(), url=survey_url(survey),
        space_id=survey.space_id, created_at=survey.opened_at,
    )


def surveys_search_rebuild() -> int:
    """Rebuild the surveys' entries of the index (for `search.rebuild`): every survey but the
    drafts, written as `_index` writes them."""
    search_unindex_kind(kinds=[Kind.SURVEY])
    rows = list(Survey.objects.filter(opened_at__isnull=False))
    for row in rows:
        _index(row)
    return len(rows)


# --- Surveys ------------------------------------------------------------------------------------


@transaction.atomic
def survey_create(
    *,
    author_id: int,
    space: Space,
    title: str,
    introduction: str = "",
    anonymous: bool = False,
    results_to_respondents: bool = False,
    closes_at: datetime | None = None,
    questions: list[QuestionSpec] | None = None,
    open_now: bool = False,
) -> Survey:
    """A draft survey (or an open one with `open_now`, which needs questions). The caller has
    checked `policy.can_create_in`."""
    title, introduction = _clean_survey(title, introduction)
    if space.archived_at is not None:
        raise ValidationError({"space": [_("This space is archived: no survey can go there.")]})
    _check_deadline(closes_at)
    specs = questions or []
    if len(specs) > MAX_QUESTIONS:
        raise ValidationError(
            {"questions": [_("Too many questions (%(max)s at most).") % {"max": MAX_QUESTIONS}]}
        )
    errors: dict[str, list[str]] = {}
    cleaned = []
    for i, spec in enumerate(specs):
        try:
            cleaned.append(_clean_question(spec, prefix=f"questions.{i}."))
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    survey = Survey.objects.create(
        space=space, author_id=author_id, title=title, introduction=introduction,
        anonymous=anonymous, results_to_respondents=results_to_respondents, closes_at=closes_at,
    )
    for position, spec in enumerate(cleaned):
        _create_question(survey, spec, position)
    if open_now:
        survey_open(survey=survey)
    return survey


@transaction.atomic
def survey_update(
    *,
    survey: Survey,
    title: str,
    introduction: str,
    results_to_respondents: bool,
    closes_at: datetime | None,
    anonymous: bool | None = None,
) -> Survey:
    """Change the wording, the deadline and who sees the results. Whether it is anonymous can
    change only while nobody has responded: the answers were given under that promise."""
    # Locked and read again: a close or a reminder since the page was loaded must not be undone.
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    title, introduction = _clean_survey(title, introduction)
    if closes_at != survey.closes_at:
        _check_deadline(closes_at)
        survey.reminded_at = None  # a new deadline deserves its own reminder
    if anonymous is not None and anonymous != survey.anonymous:
        if survey.participations.exists():
            raise ValidationError({"anonymous": [
                _("Members have already responded: whether the survey is anonymous can no "
                  "longer change.")
            ]})
        survey.anonymous = anonymous
    survey.title, survey.introduction = title, introduction
    survey.results_to_respondents = results_to_respondents
    survey.closes_at = closes_at
    survey.save()
    Activity.objects.filter(target_type=TARGET_TYPE, target_id=survey.pk).update(
        summary=title[:300]
    )
    _index(survey)
    return survey


@transaction.atomic
def survey_open(*, survey: Survey) -> Survey:
    """Open a draft: its audience is told (Category.POLLS), the feed and search show it."""
    if not survey.is_draft:
        raise ValidationError(_("This survey is already open."))
    if not survey.questions.exists():
        raise ValidationError(_("Add at least one question before opening the survey."))
    if survey.closes_at is not None and survey.closes_at <= timezone.now():
        raise ValidationError({"closes_at": [_("The deadline must be in the future.")]})
    survey.opened_at = timezone.now()
    survey.save(update_fields=["opened_at"])
    url = survey_url(survey)
    activity_record(
        verb="surveys.opened", target_type=TARGET_TYPE, target_id=survey.pk,
        summary=survey.title, url=url, actor_id=survey.author_id, space_id=survey.space_id,
    )
    # One notification each: the link inside lets each member respond from the email.
    text = phrase(gettext_noop("New survey: %(title)s"), title=survey.title)
    audience = [u for u in space_member_user_ids(space=survey.space) if u != survey.author_id]
    languages = recipient_languages(audience)
    for user_id in audience:
        notify(user_ids=[user_id], category=Category.POLLS, text=text, languages=languages,
               url=respond_link_path(survey, user_id), actor_id=survey.author_id,
               space_id=survey.space_id)
    _index(survey)
    return survey


def deadline_reminders_send(*, now: datetime | None = None) -> int:
    """Remind the audience members who have not responded that a survey closes within a day,
    once per deadline. Idempotent: run it as often as you like (beat runs it hourly). Returns
    how many members were reminded."""
    now = now or timezone.now()
    due = Survey.objects.filter(
        opened_at__isnull=False, closed_at__isnull=True, reminded_at__isnull=True,
        closes_at__gt=now, closes_at__lte=now + REMIND_BEFORE,
        opened_at__lte=F("closes_at") - REMIND_BEFORE,
    ).values_list("pk", flat=True)
    return sum(_deadline_remind(pk, now) for pk in due)


@transaction.atomic
def _deadline_remind(pk: int, now: datetime) -> int:
    # Locked and checked again: two runs at once remind once.
    survey = Survey.objects.select_for_update(skip_locked=True).filter(
        pk=pk, reminded_at__isnull=True, closed_at__isnull=True,
        closes_at__gt=now, closes_at__lte=now + REMIND_BEFORE,
    ).select_related("space").first()
    if survey is None:
        return 0
    survey.reminded_at = now
    survey.save(update_fields=["reminded_at"])
    responded = set(survey.participations.values_list("user_id", flat=True))
    targets = [
        u for u in space_member_user_ids(space=survey.space)
        if u not in responded and u != survey.author_id
    ]
    text = phrase(gettext_noop("Last day to respond: %(title)s"), title=survey.title)
    languages = recipient_languages(targets)
    for user_id in targets:
        notify(user_ids=[user_id], category=Category.POLLS, text=text, languages=languages,
               url=respond_link_path(survey, user_id), space_id=survey.space_id)
    return len(targets)


@transaction.atomic
def survey_close(*, survey: Survey) -> Survey:
    if survey.is_draft:
        raise ValidationError(_("A draft cannot be closed: open it first."))
    if survey.closed_at is None:
        survey.closed_at = timezone.now()
        survey.save(update_fields=["closed_at"])
    return survey


@transaction.atomic
def survey_delete(*, survey: Survey) -> None:
    Activity.objects.filter(target_type=TARGET_TYPE, target_id=survey.pk).delete()
    search_unindex(kind=Kind.SURVEY, object_id=survey.pk)
    survey.delete()


# --- Questions ----------------------------------------------------------------------------------


def _has_answers(question: Question) -> bool:
    return Answer.objects.filter(question=question).exists()


@transaction.atomic
def question_add(*, survey: Survey, spec: QuestionSpec) -> Question:
    """A new question at the end (adding never breaks existing responses)."""
    spec = _clean_question(spec)
    if survey.questions.count() >= MAX_QUESTIONS:
        raise ValidationError(_("Too many questions (%(max)s at most).") % {"max": MAX_QUESTIONS})
    last = survey.questions.aggregate(m=Max("position"))["m"]
    question = _create_question(survey, spec, 0 if last is None else last + 1)
    _index(survey)
    return question


@transaction.atomic
def question_update(*, question: Question, spec: QuestionSpec) -> Question:
    """Change a question. Free while nobody answered it; once answered, its type cannot change,
    chosen choices cannot go and a scale cannot shrink past given answers."""
    spec = _clean_question(spec)
    answered = _has_answers(question)
    if answered and spec.kind != question.kind:
        raise ValidationError({"kind": [
            _("Members have already answered “%(label)s”: its type can no longer change.")
            % {"label": question.label}
        ]})
    if spec.kind in CHOICE_KINDS:
        _update_choices(question, spec.choices, answered)
    else:
        question.choices.all().delete()
    if answered and spec.kind == QuestionKind.SCALE:
        given = Answer.objects.filter(question=question, number__isnull=False).aggregate(
            low=Min("number"), high=Max("number")
        )
        if given["low"] is not None and (
            given["low"] < spec.scale_min or given["high"] > spec.scale_max
        ):
            raise ValidationError({"scale_max": [
                _("Some answers fall outside the new range (from %(low)s to %(high)s were "
                  "given): widen it instead.") % given
            ]})
    for name, value in _question_fields(spec).items():
        setattr(question, name, value)
    question.save()
    _index(question.survey)
    return question


def _update_choices(question: Question, labels: list[str], answered: bool) -> None:
    """Choices are matched by their wording: kept ones keep their id (and their answers),
    new ones are added, missing ones removed — refused when someone chose them."""
    existing = {c.label: c for c in question.choices.all()}
    removed = [c for label, c in existing.items() if label not in labels]
    if answered:
        for choice in removed:
            if Answer.objects.filter(question=question, choice_ids__contains=[choice.pk]).exists():
                raise ValidationError({"choices": [
                    _("“%(choice)s” has been chosen in responses: it cannot be removed or "
                      "reworded.") % {"choice": choice.label}
                ]})
    Choice.objects.filter(pk__in=[c.pk for c in removed]).delete()
    for position, label in enumerate(labels):
        choice = existing.get(label)
        if choice is None:
            Choice.objects.create(question=question, label=label, position=position)
        elif choice.position != position:
            choice.position = position
            choice.save(update_fields=["position"])


@transaction.atomic
def question_delete(*, question: Question) -> None:
    if _has_answers(question):
        raise ValidationError(
            _("Members have already answered “%(label)s”: it can no longer be removed.")
            % {"label": question.label}
        )
    survey = question.survey
    question.delete()
    _index(survey)


@transaction.atomic
def question_move(*, question: Question, up: bool) -> None:
    """Swap with the previous (or next) question; positions are renumbered 0..n-1."""
    questions = list(question.survey.questions.select_for_update().order_by("position", "id"))
    index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(questions):
        questions[index], questions[other] = questions[other], questions[index]
    for position, row in enumerate(questions):
        if row.position != position:
            row.position = position
            row.save(update_fields=["position"])


# --- Responding ---------------------------------------------------------------------------------


def _as_text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, list | tuple):
        raw = raw[0] if raw else ""
    return str(raw).strip()


def _parse_date(text: str) -> dt.date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _parse(question: Question, raw: object, choice_ids: set[int]) -> dict | None:
    """The answer's stored fields, None when left empty; ValidationError when unusable."""
    kind = question.kind
    if kind == QuestionKind.MULTIPLE:
        items = raw if isinstance(raw, list | tuple) else ([] if raw in (None, "") else [raw])
        try:
            picked = sorted({int(str(item).strip()) for item in items if str(item).strip()})
        except ValueError as exc:
            raise ValidationError(_("Choose among the proposed answers.")) from exc
        if any(pk not in choice_ids for pk in picked):
            raise ValidationError(_("Choose among the proposed answers."))
        return {"choice_ids": picked} if picked else None
    if isinstance(raw, bool) and kind == QuestionKind.YES_NO:
        return {"boolean": raw}
    text = _as_text(raw)
    if not text:
        return None
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        limit = MAX_SHORT_TEXT if kind == QuestionKind.SHORT_TEXT else MAX_LONG_TEXT
        if len(text) > limit:
            raise ValidationError(
                _("Your answer is too long (%(max)s characters at most; you wrote %(count)s).")
                % {"max": limit, "count": len(text)}
            )
        return {"text": text}
    if kind == QuestionKind.SINGLE:
        try:
            picked_one = int(text)
        except ValueError:
            picked_one = None
        if picked_one not in choice_ids:
            raise ValidationError(_("Choose one of the proposed answers."))
        return {"choice_ids": [picked_one]}
    if kind == QuestionKind.SCALE:
        try:
            number = int(text)
        except ValueError:
            number = None
        if number is None or not (question.scale_min <= number <= question.scale_max):
            raise ValidationError(
                _("Choose a whole number from %(low)s to %(high)s.")
                % {"low": question.scale_min, "high": question.scale_max}
            )
        return {"number": number}
    if kind == QuestionKind.YES_NO:
        if text.casefold() in YES:
            return {"boolean": True}
        if text.casefold() in NO:
            return {"boolean": False}
        raise ValidationError(_("Answer yes or no."))
    if kind == QuestionKind.DATE:
        parsed = _parse_date(text)
        if parsed is None:
            raise ValidationError(
                _("Enter a real date, for example 14/07/2025 (you wrote “%(value)s”).")
                % {"value": text[:40]}
            )
        return {"date": parsed}
    raise ValidationError(_("Unknown type of question."))


def answers_check(*, survey: Survey, raw: Mapping[int, object]) -> dict[int, dict]:
    """Each question's parsed answer (unanswered optional ones left out), or one
    ValidationError naming every question that needs another look ("q<id>")."""
    questions = list(survey.questions.prefetch_related("choices"))
    errors: dict[str, list[str]] = {}
    parsed: dict[int, dict] = {}
    for question in questions:
        choice_ids = {c.pk for c in question.choices.all()}
        try:
            value = _parse(question, raw.get(question.pk), choice_ids)
        except ValidationError as error:
            errors[f"q{question.pk}"] = error.messages
            continue
        if value is None:
            if question.required:
                errors[f"q{question.pk}"] = [_("This question needs an answer.")]
            continue
        parsed[question.pk] = value
    if errors:
        raise ValidationError(errors)
    return parsed


@dataclass(frozen=True)
class ResponseOutcome:
    participation: Participation
    changed: bool  # an earlier response was replaced
    receipt: str | None = None  # anonymous surveys: the code to change the response later


@transaction.atomic
def response_submit(
    *, survey: Survey, user_id: int, raw: Mapping[int, object], receipt: str | None = None
) -> ResponseOutcome:
    """Record this member's answers, or replace them until the close. The caller has checked
    that they are in the audience. Refused when the survey is not open. For an anonymous
    survey nothing links the member to their answers, so changing them needs the receipt code
    given with the previous response; a new code is returned each time."""
    survey = Survey.objects.select_for_update().select_related("space").get(pk=survey.pk)
    if survey.is_draft:
        raise ValidationError(_("This survey is not open yet."))
    if survey.is_closed:
        raise ValidationError(_("This survey is closed: responses can no longer be given or "
                                "changed."))
    participation = Participation.objects.filter(survey=survey, user_id=user_id).first()
    already = participation is not None
    response: Response | None = None
    if already:
        response = (
            anonymous_response(survey=survey, receipt=receipt) if survey.anonymous
            else participation.response
        )
        if survey.anonymous and response is None:
            raise ValidationError({"receipt": [_(
                "You have already responded. To change an anonymous response, give the "
                "receipt code you were shown when you responded."
            )]})
    parsed = answers_check(survey=survey, raw=raw)
    now = timezone.now()
    new_receipt = receipt_new() if survey.anonymous else None
    hashed = survey_receipt_hash(survey, new_receipt) if new_receipt else None
    if already and response is not None:
        response.answers.all().delete()
        if survey.anonymous:
            response.receipt_hash = hashed
            response.save(update_fields=["receipt_hash"])
        participation.updated_at = now
        participation.save(update_fields=["updated_at"])
    else:
        response = Response.objects.create(survey=survey, receipt_hash=hashed)
        participation = Participation.objects.create(
            survey=survey, user_id=user_id, created_at=now, updated_at=now,
            # Anonymous: no link from who to what.
            response=None if survey.anonymous else response,
        )
    Answer.objects.bulk_create(
        [Answer(response=response, question_id=pk, **value) for pk, value in parsed.items()]
    )
    if survey.anonymous:
        # The participation and this response share this transaction's xmin: rewrite every
        # response and answer of the survey in random order, so they all carry it and nothing
        # pairs an earlier respondent with their answers (see `workspace.anonymity`).
        rows_shuffle(
            Response.objects.filter(survey=survey), Answer.objects.filter(response__survey=survey)
        )
        vacuum_after_commit(Response, Answer)
    return ResponseOutcome(participation=participation, changed=already, receipt=new_receipt)
