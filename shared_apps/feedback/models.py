"""Field feedback ("remontées du terrain"): members report an observation, idea, problem or
question; the board (and staff) handle them in an inbox.

Anonymity: an anonymous item has no reporter column filled, its attachments name no uploader,
and nothing else (notification, activity, search entry) names its reporter. The reporter can
follow it only through a private link whose token is shown once; only its SHA-256 is kept."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Theme(models.Model):
    """A category set by the board. Archived themes stay on the items that used them but are
    no longer offered to reporters."""

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(_("name"), max_length=80)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="feedback_theme_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class FeedbackSettings(models.Model):
    """The association's choices for feedback (one row, pk=1)."""

    id = models.BigAutoField(primary_key=True)
    supports_enabled = models.BooleanField(
        _("members may support ideas (+1)"), default=False,
        help_text=_("Open ideas are then shown to every member, without the name of their "
                    "author if it was reported anonymously."),
    )
    anonymous_allowed = models.BooleanField(_("anonymous reports allowed"), default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return "feedback settings"


class ItemKind(models.TextChoices):
    OBSERVATION = "observation", _("Observation")
    IDEA = "idea", _("Idea")
    PROBLEM = "problem", _("Problem")
    QUESTION = "question", _("Question")


class ItemStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class FeedbackItem(models.Model):
    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("kind"), max_length=12, choices=ItemKind.choices)
    theme = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.PROTECT, related_name="items",
        verbose_name=_("theme"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=10_000)
    place = models.CharField(_("place or site"), max_length=200, blank=True)
    is_anonymous = models.BooleanField(default=False)
    # None exactly when anonymous (a constraint says so): nothing links the item to its author.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # SHA-256 of the anonymous follow-up token (the token itself is never stored).
    follow_token_hash = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.RECEIVED
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # Set when merged: the item kept in its place (this one is then closed).
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    first_answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["reporter", "-created_at"]),
            models.Index(fields=["follow_token_hash"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_anonymous=True, reporter__isnull=True)
                | Q(is_anonymous=False, reporter__isnull=False),
                name="feedback_item_anonymous_has_no_reporter",
            ),
            models.CheckConstraint(
                condition=Q(duplicate_of__isnull=True) | ~Q(duplicate_of=models.F("id")),
                name="feedback_item_not_its_own_duplicate",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status != ItemStatus.CLOSED

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of_id is not None


def _attachment_path(instance: Attachment, filename: str) -> str:
    # A random name: the original one is kept in `name` and never used as a path.
    return f"feedback/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class Attachment(models.Model):
    """A file sent with a report. No uploader column: the reporter is the uploader, and for an
    anonymous item nobody may know who that is."""

    id = models.BigAutoField(primary_key=True)
    item = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    is_image = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Answer(models.Model):
    """What the board tells the reporter (shown to them; notifies them when they are known)."""

    id = models.BigAutoField(primary_key=True)
    item = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    body = models.TextField(max_length=10_000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"answer {self.pk} on {self.item_id}"


class InternalNote(models.Model):
    """Between those who handle feedback only: never shown to the reporter, never indexed."""

    id = models.BigAutoField(primary_key=True)
    item = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    body = models.TextField(max_length=10_000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.item_id}"


class Support(models.Model):
    """A member's +1 on an idea (once per member)."""

    id = models.BigAutoField(primary_key=True)
    item = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "user"], name="feedback_support_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} supports {self.item_id}"
