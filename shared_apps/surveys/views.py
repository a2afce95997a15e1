"""Survey pages: list, create, the survey page (respond, or change one's response until the
close), edit (wording and questions), open, close, delete, results with charts, CSV export.

Thin: the policy decides, a service acts. What a member may not see or do answers 404."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shared_apps.workspace.access import member_required
from shared_apps.workspace.receipt_cookie import receipt_remember
from shared_apps.workspace.signed_links import LinkInvalid

from . import policy, services
from .charts import bar_chart, scale_chart
from .export import survey_csv
from .forms import QuestionForm, SurveyEditForm, SurveyForm
from .models import CHOICE_KINDS, QuestionKind, Survey
from .selectors import (
    Results,
    answer_as_raw,
    answers_by_question,
    creatable_spaces,
    my_response_id,
    participation_of,
    question_for_reader,
    questions_of,
    results_of,
    survey_for_reader,
    surveys_list,
)

PAGE_SIZE = 20
# One per survey and member: on a shared device, one member's code is never offered to another.
RECEIPT_COOKIE = "cercle_survey_{pk}_{uid}"


def _survey(request: HttpRequest, pk: int) -> Survey:
    membership = request.membership
    survey = survey_for_reader(user_id=membership.user_id, pk=pk)
    if survey is None or not policy.can_view(membership, survey):
        raise Http404
    return survey


def _managed(request: HttpRequest, pk: int) -> Survey:
    survey = _survey(request, pk)
    if not policy.can_manage(request.membership, survey):
        raise Http404
    return survey


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's errors on the form: on their field when it has one, else at the top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages_ in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages_)


@member_required()
@require_http_methods(["GET"])
def surveys_index(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    page = Paginator(surveys_list(membership=membership), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "surveys/list.html", {
        "page": page, "surveys": list(page.object_list),
        "can_create": bool(creatable_spaces(membership)),
    })


@member_required()
@require_http_methods(["GET", "POST"])
def surveys_create(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    spaces = creatable_spaces(membership)
    if not spaces:
        raise Http404
    initial = {}
    if request.GET.get("space"):
        initial["space"] = next((s.pk for s in spaces if s.slug == request.GET["space"]), None)
    form = SurveyForm(request.POST if request.method == "POST" else None, spaces=spaces,
                      initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = services.survey_create(
                author_id=membership.user_id, space=data["space"], title=data["title"],
                introduction=data["introduction"], anonymous=data["anonymous"],
                results_to_respondents=data["results_to_respondents"],
                closes_at=data["closes_at"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Draft saved. Now add the questions."))
            return redirect("surveys_edit", pk=survey.pk)
    return render(request, "surveys/form.html", {"form": form, "survey": None},
                  status=400 if form.errors else 200)


# --- Responding ---------------------------------------------------------------------------------


def _answer_fields(survey: Survey, values: dict, errors: dict) -> list[dict]:
    """What the response form shows for each question: the value to show again (what the
    member typed, even when it was refused) and its error."""
    fields = []
    for question in questions_of(survey):
        name = f"q{question.pk}"
        value = values.get(question.pk, [] if question.kind == QuestionKind.MULTIPLE else "")
        fields.append({
            "question": question, "name": name, "value": value,
            "errors": errors.get(name, []),
            "choices": list(question.choices.all()) if question.kind in CHOICE_KINDS else [],
            "scale": list(range(question.scale_min, question.scale_max + 1))
            if question.kind == QuestionKind.SCALE else [],
        })
    return fields


def _posted_answers(request: HttpRequest, survey: Survey) -> dict[int, object]:
    raw: dict[int, object] = {}
    for question in survey.questions.all():
        name = f"q{question.pk}"
        if question.kind == QuestionKind.MULTIPLE:
            raw[question.pk] = request.POST.getlist(name)
        else:
            raw[question.pk] = request.POST.get(name, "")
    return raw


def _remember_receipt(
    request: HttpRequest, response: HttpResponse, survey: Survey, user_id: int,
    receipt: str | None,
) -> None:
    receipt_remember(request, response, name=RECEIPT_COOKIE.format(pk=survey.pk, uid=user_id),
                     receipt=receipt, closes_at=survey.closes_at, path="/surveys/")


@dataclass
class ResponseState:
    """The response form of one member, after a GET or a POST."""

    context: dict  # what the form partial needs
    status: int = 200
    outcome: services.ResponseOutcome | None = None
    keep_receipt: str | None = None  # the code to keep in this browser


def _response_state(request: HttpRequest, survey: Survey, user_id: int) -> ResponseState:
    """Show the member's answers, or record the posted ones (the caller checked they may)."""
    kinds = {q.pk: q.kind for q in survey.questions.all()}
    # Anonymous surveys: the code this browser keeps, or the one typed to change a response.
    receipt = request.COOKIES.get(RECEIPT_COOKIE.format(pk=survey.pk, uid=user_id))
    errors: dict = {}
    top_errors: list[str] = []
    outcome = None
    values = None
    if request.method == "POST":
        raw = _posted_answers(request, survey)
        receipt = (request.POST.get("receipt") or "").strip() or receipt
        try:
            outcome = services.response_submit(
                survey=survey, user_id=user_id, raw=raw, receipt=receipt
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                errors = error.message_dict
                top_errors = errors.pop("receipt", []) + errors.pop("__all__", [])
            else:
                top_errors = error.messages
            values = raw  # what was typed is shown again, not lost
        else:
            receipt = outcome.receipt or receipt
    response_id = my_response_id(survey=survey, user_id=user_id, receipt=receipt)
    if values is None:
        answers = answers_by_question(response_id)
        values = {pk_: answer_as_raw(a, kinds[pk_]) for pk_, a in answers.items()}
    receipt_known = survey.anonymous and response_id is not None
    fields = _answer_fields(survey, values, errors)
    return ResponseState(
        context={
            "survey": survey, "fields": fields,
            "participation": participation_of(survey=survey, user_id=user_id),
            "errors": errors, "top_errors": top_errors,
            "error_list": [(f, e) for f in fields for e in f["errors"]],
            "receipt_known": receipt_known,
            "new_receipt": outcome.receipt if outcome else None,
        },
        status=400 if errors or top_errors else 200,
        outcome=outcome,
        # A code typed on another device is kept too, so that a refused answer does not make
        # the member type it again.
        keep_receipt=receipt if receipt_known else None,
    )


@member_required()
@require_http_methods(["GET", "POST"])
def surveys_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    membership = request.membership
    if request.method == "POST" and not policy.can_respond(membership, survey):
        raise Http404
    state = _response_state(request, survey, membership.user_id)
    if state.outcome is not None and not state.outcome.receipt:
        messages.success(request, _("Your answers have been changed.") if state.outcome.changed
                         else _("Thank you: your response is recorded."))
        return redirect("surveys_detail", pk=survey.pk)
    # An anonymous response's receipt code is shown once, on the page itself (not in a toast
    # that may be missed).
    response = render(request, "surveys/detail.html", {
        **state.context,
        "can_respond": policy.can_respond(membership, survey),
        "in_audience": policy.is_in_audience(membership, survey),
        "can_manage": policy.can_manage(membership, survey),
        "can_results": policy.can_view_results(membership, survey),
    }, status=state.status)
    _remember_receipt(request, response, survey, membership.user_id, state.keep_receipt)
    return response


@require_http_methods(["GET", "POST"])
def surveys_respond_link(request: HttpRequest, token: str) -> HttpResponse:
    """From the email, without signing in. GET only shows the form (mail scanners open links
    and must not respond on the member's behalf); POST responds, as the member the link is
    for, under the same policy as the page."""
    try:
        survey, membership = services.respond_link_resolve(token)
    except LinkInvalid:
        return render(request, "surveys/respond_link.html", {"invalid": True}, status=400)
    if not policy.is_in_audience(membership, survey):
        # No longer in its space: the survey is not theirs to see (not even its title).
        return render(request, "surveys/respond_link.html", {"invalid": True}, status=400)
    if not policy.can_respond(membership, survey):
        return render(request, "surveys/respond_link.html", {"survey": survey, "closed": True})
    state = _response_state(request, survey, membership.user_id)
    response = render(request, "surveys/respond_link.html", {
        **state.context, "done": state.outcome is not None,
        "changed": state.outcome.changed if state.outcome else False,
        "workspace_url": reverse("surveys_detail", kwargs={"pk": survey.pk}),
    }, status=state.status)
    _remember_receipt(request, response, survey, membership.user_id, state.keep_receipt)
    return response


# --- Editing ------------------------------------------------------------------------------------


@member_required()
@require_http_methods(["GET", "POST"])
def surveys_edit(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request, pk)
    initial = {
        "title": survey.title, "introduction": survey.introduction,
        "anonymous": survey.anonymous, "results_to_respondents": survey.results_to_respondents,
        "closes_at": survey.closes_at,
    }
    form = SurveyEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.survey_update(
                survey=survey, title=data["title"], introduction=data["introduction"],
                results_to_respondents=data["results_to_respondents"],
                closes_at=data["closes_at"], anonymous=data["anonymous"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Survey saved."))
            return redirect("surveys_edit", pk=survey.pk)
    return render(request, "surveys/edit.html", {
        "form": form, "survey": survey, "questions": questions_of(survey),
        "response_count": survey.participations.count(),
    }, status=400 if form.errors else 200)


def _question_page(request: HttpRequest, survey: Survey, form: QuestionForm,
                   question: object = None) -> HttpResponse:
    return render(request, "surveys/question_form.html",
                  {"form": form, "survey": survey, "question": question},
                  status=400 if form.errors else 200)


@member_required()
@require_http_methods(["GET", "POST"])
def surveys_question_add(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request, pk)
    form = QuestionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_add(survey=survey, spec=form.spec())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Question added."))
            return redirect("surveys_edit", pk=survey.pk)
    return _question_page(request, survey, form)


def _question(request: HttpRequest, pk: int) -> object:
    question = question_for_reader(user_id=request.membership.user_id, pk=pk)
    if question is None or not policy.can_manage(request.membership, question.survey):
        raise Http404
    return question


@member_required()
@require_http_methods(["GET", "POST"])
def surveys_question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question(request, pk)
    initial = {
        "kind": question.kind, "label": question.label, "help_text": question.help_text,
        "required": question.required,
        "choices": "\n".join(c.label for c in question.choices.all()),
        "scale_min": question.scale_min if question.scale_min is not None else 1,
        "scale_max": question.scale_max if question.scale_max is not None else 5,
        "scale_min_label": question.scale_min_label,
        "scale_max_label": question.scale_max_label,
    }
    form = QuestionForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(question=question, spec=form.spec())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Question saved."))
            return redirect("surveys_edit", pk=question.survey_id)
    return _question_page(request, question.survey, form, question)


@member_required()
@require_POST
def surveys_question_delete(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question(request, pk)
    try:
        services.question_delete(question=question)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Question removed."))
    return redirect("surveys_edit", pk=question.survey_id)


@member_required()
@require_POST
def surveys_question_move(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question(request, pk)
    services.question_move(question=question, up=request.POST.get("direction") != "down")
    return redirect(f"/surveys/{question.survey_id}/edit/#question-{question.pk}")


@member_required()
@require_POST
def surveys_open(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request, pk)
    try:
        services.survey_open(survey=survey)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("surveys_edit", pk=survey.pk)
    messages.success(request, _("The survey is open: its audience has been told."))
    return redirect("surveys_detail", pk=survey.pk)


@member_required()
@require_POST
def surveys_close(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request, pk)
    try:
        services.survey_close(survey=survey)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The survey is closed."))
    return redirect("surveys_detail", pk=survey.pk)


@member_required()
@require_http_methods(["GET", "POST"])
def surveys_delete(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request, pk)
    if request.method == "POST":
        services.survey_delete(survey=survey)
        messages.success(request, _("Survey deleted."))
        return redirect("surveys")
    return render(request, "surveys/delete.html", {
        "survey": survey, "response_count": survey.participations.count(),
    })


# --- Results ------------------------------------------------------------------------------------


def charts_of(results: Results) -> list[dict]:
    """Each question's result with its chart (SVG built from escaped text only)."""
    rows = []
    for result in results.questions:
        question = result.question
        chart = ""
        if question.kind == QuestionKind.SCALE:
            chart = scale_chart(question.label, result.bars, result.mean)
        elif result.bars:
            chart = bar_chart(question.label, result.bars)
        rows.append({"result": result, "chart": mark_safe(chart)})  # noqa: S308 — escaped above
    return rows


@member_required()
@require_http_methods(["GET"])
def surveys_results(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    if not policy.can_view_results(request.membership, survey):
        raise Http404
    results = results_of(survey)
    return render(request, "surveys/results.html", {
        "survey": survey, "results": results, "rows": charts_of(results),
        "can_export": policy.can_export(request.membership, survey),
    })


@member_required()
@require_http_methods(["GET"])
def surveys_export(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    if not policy.can_export(request.membership, survey):
        raise Http404
    return csv_response(survey)


def csv_response(survey: Survey) -> HttpResponse:
    response = HttpResponse(survey_csv(survey), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
