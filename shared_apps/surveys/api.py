"""REST endpoints of the surveys app: the same policy, selectors and services as the pages.

A survey (or question) the member may not see answers 404; so does an action they may not
take on one they can see."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.members.models import Membership
from shared_apps.spaces.selectors import space_default, spaces_readable
from shared_apps.workspace.api import IsMember
from shared_apps.workspace.api_support import api_error as _fail
from shared_apps.workspace.api_support import membership_of as _membership
from shared_apps.workspace.api_support import validated as _valid

from . import policy, services
from .models import Question, QuestionKind, Survey
from .selectors import (
    answer_as_raw,
    my_answers,
    participation_of,
    question_for_reader,
    questions_of,
    results_of,
    survey_for_reader,
    surveys_list,
)
from .services import QuestionSpec
from .views import csv_response


def _survey(request: Request, pk: int) -> Survey:
    membership = _membership(request)
    survey = survey_for_reader(user_id=membership.user_id, pk=pk)
    if survey is None or not policy.can_view(membership, survey):
        raise NotFound
    return survey


def _managed(request: Request, pk: int) -> Survey:
    survey = _survey(request, pk)
    if not policy.can_manage(_membership(request), survey):
        raise NotFound
    return survey


def _question(request: Request, pk: int) -> Question:
    membership = _membership(request)
    question = question_for_reader(user_id=membership.user_id, pk=pk)
    if question is None or not policy.can_manage(membership, question.survey):
        raise NotFound
    return question


# Anonymous surveys: the receipt code travels in a header or a body, never in a URL.
RECEIPT_HEADER = "X-Receipt"


# --- Serializers -------------------------------------------------------------------------------


@extend_schema_field({
    "type": "string",
    "pattern": "^(" + "|".join(QuestionKind.values) + ")$",
    "description": "The type of question: " + ", ".join(QuestionKind.values) + ".",
})
class KindField(serializers.ChoiceField):
    """Documented as a pattern, so no enum named "Kind" fights with another app's."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(choices=QuestionKind.choices, **kwargs)


class SurveySpaceOut(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    is_default = serializers.BooleanField()


class SurveyChoiceOut(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()


class SurveyQuestionOut(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = KindField()
    label = serializers.CharField()
    help_text = serializers.CharField()
    required = serializers.BooleanField()
    choices = SurveyChoiceOut(many=True)
    scale_min = serializers.IntegerField(allow_null=True)
    scale_max = serializers.IntegerField(allow_null=True)
    scale_min_label = serializers.CharField()
    scale_max_label = serializers.CharField()


class SurveyOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    space = SurveySpaceOut()
    anonymous = serializers.BooleanField()
    results_to_respondents = serializers.BooleanField()
    closes_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    opened_at = serializers.DateTimeField(allow_null=True, help_text="None: a draft.")
    is_open = serializers.BooleanField()
    is_closed = serializers.BooleanField()
    has_responded = serializers.BooleanField()
    response_count = serializers.IntegerField()


class SurveyDetailOut(SurveyOut):
    introduction = serializers.CharField()
    questions = SurveyQuestionOut(many=True)
    my_answers = serializers.DictField(
        child=serializers.JSONField(),
        help_text="The member's answers by question id (named surveys; anonymous answers: "
        "GET /response/ with the receipt code in the X-Receipt header).",
    )
    can_respond = serializers.BooleanField()
    can_manage = serializers.BooleanField()
    can_view_results = serializers.BooleanField()
    can_export = serializers.BooleanField()


class SurveyQuestionIn(serializers.Serializer):
    kind = KindField()
    label = serializers.CharField(max_length=300)
    help_text = serializers.CharField(max_length=500, required=False, allow_blank=True,
                                      default="")
    required = serializers.BooleanField(required=False, default=False)
    choices = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list,
        help_text="Single and multiple choice: the choices, in order. Choices are matched by "
        "their wording when a question is edited.",
    )
    scale_min = serializers.IntegerField(required=False, allow_null=True, default=None,
                                         help_text="Scales: 0 or 1 (default 1).")
    scale_max = serializers.IntegerField(required=False, allow_null=True, default=None,
                                         help_text="Scales: 3 to 10 (default 5).")
    scale_min_label = serializers.CharField(max_length=60, required=False, allow_blank=True,
                                            default="")
    scale_max_label = serializers.CharField(max_length=60, required=False, allow_blank=True,
                                            default="")


class SurveyIn(serializers.Serializer):
    space = serializers.SlugField(
        required=False, allow_blank=True, default="",
        help_text="Slug of the space; left out: the whole association.",
    )
    title = serializers.CharField(max_length=200)
    introduction = serializers.CharField(max_length=10_000, required=False, allow_blank=True,
                                         default="")
    anonymous = serializers.BooleanField(required=False, default=False)
    results_to_respondents = serializers.BooleanField(required=False, default=False)
    closes_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    questions = SurveyQuestionIn(many=True, required=False, default=list)
    open = serializers.BooleanField(
        required=False, default=False,
        help_text="Open at once (the audience is told); otherwise a draft.",
    )


class SurveyUpdateIn(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    introduction = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    anonymous = serializers.BooleanField(required=False)
    results_to_respondents = serializers.BooleanField(required=False)
    closes_at = serializers.DateTimeField(required=False, allow_null=True)


class SurveyResponseIn(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        help_text="By question id: text, a choice id, a list of choice ids, a number, "
        "true/false or an ISO date (YYYY-MM-DD).",
    )
    receipt = serializers.CharField(
        max_length=40, required=False, allow_blank=True,
        help_text="Anonymous surveys: the receipt code returned with the previous response, "
        "needed to change it.",
    )


class SurveyResponseOut(serializers.Serializer):
    responded_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    editable = serializers.BooleanField()
    answers = serializers.DictField(
        child=serializers.JSONField(),
        help_text="By question id. Anonymous surveys: only with the receipt code.",
    )
    receipt = serializers.CharField(
        required=False,
        help_text="Anonymous surveys, after responding: a new receipt code, returned once and "
        "stored nowhere (only its hash): keep it to change the response.",
    )


class SurveyBarOut(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()
    percent = serializers.FloatField()


class SurveyQuestionResultOut(serializers.Serializer):
    question_id = serializers.IntegerField()
    label = serializers.CharField()
    kind = KindField()
    answered = serializers.IntegerField()
    bars = SurveyBarOut(many=True)
    mean = serializers.FloatField(allow_null=True)
    texts = serializers.ListField(child=serializers.CharField())


class SurveyResultsOut(serializers.Serializer):
    response_count = serializers.IntegerField()
    questions = SurveyQuestionResultOut(many=True)


def _question_out(question: Question) -> dict:
    return {
        "id": question.pk, "position": question.position, "kind": question.kind,
        "label": question.label, "help_text": question.help_text,
        "required": question.required,
        "choices": [{"id": c.pk, "label": c.label} for c in question.choices.all()],
        "scale_min": question.scale_min, "scale_max": question.scale_max,
        "scale_min_label": question.scale_min_label,
        "scale_max_label": question.scale_max_label,
    }


def _row_out(survey: Survey) -> dict:
    space = survey.space
    return {
        "id": survey.pk, "title": survey.title,
        "space": {"slug": space.slug, "name": space.name, "is_default": space.is_default},
        "anonymous": survey.anonymous, "results_to_respondents": survey.results_to_respondents,
        "closes_at": survey.closes_at, "created_at": survey.created_at,
        "opened_at": survey.opened_at, "is_open": survey.is_open,
        "is_closed": not survey.is_draft and survey.is_closed,
        "has_responded": getattr(survey, "has_responded", False),
        "response_count": getattr(survey, "response_count", 0),
    }


def _api_value(answer: object, kind: str) -> object:
    raw = answer_as_raw(answer, kind)
    if kind == QuestionKind.MULTIPLE:
        return [int(v) for v in raw]
    if kind in (QuestionKind.SINGLE, QuestionKind.SCALE):
        return int(raw) if raw != "" else None
    if kind == QuestionKind.YES_NO:
        return answer.boolean
    return raw


def _answers_out(
    survey: Survey, user_id: int, questions: list[Question], receipt: str | None = None
) -> dict:
    kinds = {q.pk: q.kind for q in questions}
    return {str(pk): _api_value(a, kinds[pk])
            for pk, a in my_answers(survey=survey, user_id=user_id, receipt=receipt).items()}


def _detail_out(survey: Survey, membership: Membership) -> dict:
    user_id = membership.user_id
    questions = questions_of(survey)
    participation = participation_of(survey=survey, user_id=user_id)
    row = _row_out(survey)
    row.update(
        has_responded=participation is not None,
        response_count=survey.participations.count(),
        introduction=survey.introduction,
        questions=[_question_out(q) for q in questions],
        my_answers=_answers_out(survey, user_id, questions),
        can_respond=policy.can_respond(membership, survey),
        can_manage=policy.can_manage(membership, survey),
        can_view_results=policy.can_view_results(membership, survey),
        can_export=policy.can_export(membership, survey),
    )
    return row


def _spec(data: dict) -> QuestionSpec:
    return QuestionSpec(
        kind=data["kind"], label=data["label"], help_text=data["help_text"],
        required=data["required"], choices=list(data["choices"]),
        scale_min=data["scale_min"], scale_max=data["scale_max"],
        scale_min_label=data["scale_min_label"], scale_max_label=data["scale_max_label"],
    )


# --- Views -------------------------------------------------------------------------------------


class SurveyPagination(PageNumberPagination):
    page_size = 20


class SurveyListApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=SurveyOut(many=True), summary="Surveys the member may see")
    def get(self, request: Request) -> Response:
        paginator = SurveyPagination()
        rows = paginator.paginate_queryset(
            surveys_list(membership=_membership(request)), request, view=self
        )
        return paginator.get_paginated_response([_row_out(s) for s in rows])

    @extend_schema(request=SurveyIn, responses={201: SurveyDetailOut},
                   summary="Create a survey with its questions (a draft, or open at once)")
    def post(self, request: Request) -> Response:
        membership = _membership(request)
        data = _valid(SurveyIn, request.data)
        if data["space"]:
            space = spaces_readable(user_id=membership.user_id).filter(slug=data["space"]).first()
            if space is None:
                raise ValidationError({"space": [_("No such space.")]})
        else:
            space = space_default()
        if not policy.can_create_in(membership, space):
            raise NotFound
        try:
            survey = services.survey_create(
                author_id=membership.user_id, space=space, title=data["title"],
                introduction=data["introduction"], anonymous=data["anonymous"],
                results_to_respondents=data["results_to_respondents"],
                closes_at=data["closes_at"],
                questions=[_spec(q) for q in data["questions"]], open_now=data["open"],
            )
        except DjangoValidationError as error:
            raise _fail(error) from error
        survey.refresh_from_db()
        return Response(_detail_out(survey, membership), status=status.HTTP_201_CREATED)


class SurveyDetailApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=SurveyDetailOut, summary="A survey with its questions")
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail_out(_survey(request, pk), _membership(request)))

    @extend_schema(request=SurveyUpdateIn, responses=SurveyDetailOut, summary="Edit a survey")
    def patch(self, request: Request, pk: int) -> Response:
        survey = _managed(request, pk)
        data = _valid(SurveyUpdateIn, request.data)
        try:
            survey = services.survey_update(
                survey=survey, title=data.get("title", survey.title),
                introduction=data.get("introduction", survey.introduction),
                results_to_respondents=data.get(
                    "results_to_respondents", survey.results_to_respondents
                ),
                closes_at=data.get("closes_at", survey.closes_at),
                anonymous=data.get("anonymous"),
            )
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response(_detail_out(survey, _membership(request)))

    @extend_schema(responses={204: None}, summary="Delete a survey and its responses")
    def delete(self, request: Request, pk: int) -> Response:
        services.survey_delete(survey=_managed(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SurveyOpenApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=None, responses=SurveyDetailOut,
                   summary="Open a draft (its audience is told)")
    def post(self, request: Request, pk: int) -> Response:
        survey = _managed(request, pk)
        try:
            services.survey_open(survey=survey)
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response(_detail_out(survey, _membership(request)))


class SurveyCloseApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=None, responses=SurveyDetailOut, summary="Close before the deadline")
    def post(self, request: Request, pk: int) -> Response:
        survey = _managed(request, pk)
        try:
            services.survey_close(survey=survey)
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response(_detail_out(survey, _membership(request)))


class SurveyQuestionAddApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=SurveyQuestionIn, responses={201: SurveyQuestionOut},
                   summary="Add a question at the end")
    def post(self, request: Request, pk: int) -> Response:
        survey = _managed(request, pk)
        data = _valid(SurveyQuestionIn, request.data)
        try:
            question = services.question_add(survey=survey, spec=_spec(data))
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response(_question_out(question), status=status.HTTP_201_CREATED)


class SurveyQuestionApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(request=SurveyQuestionIn, responses=SurveyQuestionOut,
                   summary="Edit a question (answered ones keep their type and chosen choices)")
    def put(self, request: Request, pk: int) -> Response:
        question = _question(request, pk)
        data = _valid(SurveyQuestionIn, request.data)
        try:
            services.question_update(question=question, spec=_spec(data))
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response(_question_out(question))

    @extend_schema(responses={204: None}, summary="Remove a question nobody answered")
    def delete(self, request: Request, pk: int) -> Response:
        try:
            services.question_delete(question=_question(request, pk))
        except DjangoValidationError as error:
            raise _fail(error) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


class SurveyResponseApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    def _out(self, survey: Survey, membership: Membership, receipt: str | None) -> dict:
        participation = participation_of(survey=survey, user_id=membership.user_id)
        if participation is None:
            raise NotFound
        return {
            "responded_at": participation.created_at, "updated_at": participation.updated_at,
            "editable": survey.is_open,
            "answers": _answers_out(survey, membership.user_id, questions_of(survey), receipt),
        }

    @extend_schema(
        responses=SurveyResponseOut, summary="The member's own response",
        parameters=[OpenApiParameter(
            RECEIPT_HEADER, str, location=OpenApiParameter.HEADER, required=False,
            description="Anonymous surveys: the receipt code, to see one's own answers (a "
            "header, never the URL: URLs end up in logs).",
        )],
    )
    def get(self, request: Request, pk: int) -> Response:
        receipt = request.headers.get(RECEIPT_HEADER) or None
        return Response(self._out(_survey(request, pk), _membership(request), receipt))

    @extend_schema(request=SurveyResponseIn, responses=SurveyResponseOut,
                   summary="Respond, or change one's response until the close (anonymous "
                   "surveys: with the receipt code)")
    def put(self, request: Request, pk: int) -> Response:
        survey = _survey(request, pk)
        membership = _membership(request)
        if not policy.can_respond(membership, survey):
            raise NotFound
        data = _valid(SurveyResponseIn, request.data)
        raw = {}
        for key, value in data["answers"].items():
            try:
                raw[int(key)] = value
            except ValueError as exc:
                raise ValidationError({"answers": [_("Unknown question: %(key)s.")
                                                   % {"key": key}]}) from exc
        try:
            outcome = services.response_submit(
                survey=survey, user_id=membership.user_id, raw=raw,
                receipt=data.get("receipt") or None,
            )
        except DjangoValidationError as error:
            raise _fail(error) from error
        out = self._out(survey, membership, outcome.receipt)
        if outcome.receipt:
            out["receipt"] = outcome.receipt
        return Response(out)


class SurveyResultsApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(responses=SurveyResultsOut, summary="Counts, percentages, means, free text")
    def get(self, request: Request, pk: int) -> Response:
        survey = _survey(request, pk)
        if not policy.can_view_results(_membership(request), survey):
            raise NotFound
        results = results_of(survey)
        return Response({
            "response_count": results.response_count,
            "questions": [{
                "question_id": r.question.pk, "label": r.question.label,
                "kind": r.question.kind, "answered": r.answered,
                "bars": [{"label": b.label, "count": b.count, "percent": b.percent}
                         for b in r.bars],
                "mean": r.mean, "texts": r.texts,
            } for r in results.questions],
        })


class SurveyExportApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY)},
        summary="Every response as CSV (UTF-8 with BOM, ';'), for the author and the board",
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        survey = _survey(request, pk)
        if not policy.can_export(_membership(request), survey):
            raise NotFound
        return csv_response(survey)
