"""Surveys: several questions (short text, long text, single choice, multiple choice, scale,
yes/no, date) sent to the whole association or to one space; one response per member.

Anonymity lives in the data model. `Participation` says WHO responded (and when); `Response`
and `Answer` say WHAT was answered. For an anonymous survey nothing joins the two: a
participation row has no response id, responses and answers carry no user, no timestamp and
random UUID keys (so their ids do not reveal the order in which members answered), and each
anonymous response rewrites all of the survey's responses and answers in random order, so
PostgreSQL's hidden `xmin` and the rows' physical order do not pair a participation with its
response either (`shared_apps.workspace.anonymity`, shared with polls). For a named survey
the participation row points to its response, which lets the member edit it until the close;
for an anonymous one the member holds a receipt code (kept in their browser, shown once) and
the response stores only its hash, as polls do for anonymous ballots."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Survey(models.Model):
    id = models.BigAutoField(primary_key=True)
    # The audience: the default space is the whole association, so one visibility rule applies.
    space = models.ForeignKey(
        "spaces.Space", on_delete=models.CASCADE, related_name="+", verbose_name=_("audience")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True, default="")
    anonymous = models.BooleanField(_("anonymous"), default=False)
    results_to_respondents = models.BooleanField(
        _("show the results to those who responded"), default=False
    )
    closes_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # None: a draft (its author is still writing the questions); set when it opens.
    opened_at = models.DateTimeField(null=True, blank=True)
    # Closed by hand before the deadline.
    closed_at = models.DateTimeField(null=True, blank=True)
    # When those who had not responded were reminded of the deadline (once per deadline).
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["space", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.opened_at is None

    @property
    def is_closed(self) -> bool:
        if self.closed_at is not None:
            return True
        return self.closes_at is not None and timezone.now() >= self.closes_at

    @property
    def is_open(self) -> bool:
        return not self.is_draft and not self.is_closed


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    SCALE = "scale", _("Scale")
    YES_NO = "yes_no", _("Yes / no")
    DATE = "date", _("Date")


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
TEXT_KINDS = (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)


class Question(models.Model):
    id = models.BigAutoField(primary_key=True)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(_("type"), max_length=12, choices=QuestionKind.choices)
    label = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("hint"), max_length=500, blank=True, default="")
    required = models.BooleanField(_("required"), default=False)
    # Scales only: the range (e.g. 1–5 or 0–10) and the words at both ends.
    scale_min = models.SmallIntegerField(null=True, blank=True)
    scale_max = models.SmallIntegerField(null=True, blank=True)
    scale_min_label = models.CharField(max_length=60, blank=True, default="")
    scale_max_label = models.CharField(max_length=60, blank=True, default="")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class Choice(models.Model):
    id = models.BigAutoField(primary_key=True)
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    label = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class Response(models.Model):
    """What one member answered — and nothing about who or when (see the module docstring)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    # Anonymous surveys: SHA-256 of the survey and a code only the respondent holds, so they
    # (and nobody else) can find their response again to change it. Empty for named surveys.
    receipt_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 — unique when set

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "receipt_hash"],
                                    name="surveys_response_receipt_once")
        ]

    def __str__(self) -> str:
        return f"response to {self.survey_id}"


class Answer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    # One of these holds the value, depending on the question's type.
    text = models.TextField(blank=True, default="")
    number = models.SmallIntegerField(null=True, blank=True)
    boolean = models.BooleanField(null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    choice_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="surveys_answer_once")
        ]

    def __str__(self) -> str:
        return f"answer to {self.question_id}"


class Participation(models.Model):
    """Who responded. For a named survey, `response` is theirs (editable until the close);
    for an anonymous one it stays empty, so no row links a member to what they answered."""

    id = models.BigAutoField(primary_key=True)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    response = models.OneToOneField(
        Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="surveys_one_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} responded to {self.survey_id}"
