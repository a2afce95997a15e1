"""Polls (single choice, multiple choice, ranked choice) and date polls (find a meeting slot).

Anonymity lives in the data model: for an anonymous poll, `Participation` says WHO voted and
`Ballot` says WHAT was voted, and nothing joins the two — ballots carry no user, no timestamp,
random UUID keys, and are rewritten in a random order on every vote (see services). A voter
changes an anonymous vote with a receipt code only they hold: the database keeps a hash of it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PollKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    RANKED = "ranked", _("Ranked choice")
    DATE = "date", _("Date poll (find a slot)")


class ResultsVisibility(models.TextChoices):
    ALWAYS = "always", _("Always")
    AFTER_VOTE = "after_vote", _("After voting")
    AFTER_CLOSE = "after_close", _("After the close")


class Poll(models.Model):
    id = models.BigAutoField(primary_key=True)
    # The audience: the default space is the whole association.
    space = models.ForeignKey(
        "spaces.Space", on_delete=models.CASCADE, related_name="+", verbose_name=_("space")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PollKind.choices)
    question = models.CharField(_("question"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    anonymous = models.BooleanField(_("anonymous"), default=False)
    min_choices = models.PositiveSmallIntegerField(default=1)
    max_choices = models.PositiveSmallIntegerField(default=1)
    results_visibility = models.CharField(
        max_length=12, choices=ResultsVisibility.choices, default=ResultsVisibility.ALWAYS
    )
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # When those who had not voted were reminded of the deadline (once per deadline).
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # A date poll turned into an event: its id in the events app (no FK: apps stay decoupled).
    event_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["space", "-created_at"])]

    def __str__(self) -> str:
        return self.question

    @property
    def is_closed(self) -> bool:
        """Closed by hand, or its deadline has passed (no task needed: it is computed)."""
        if self.closed_at is not None:
            return True
        return self.deadline is not None and self.deadline <= timezone.now()

    @property
    def closes_at(self):  # noqa: ANN201 — datetime | None
        return self.closed_at or self.deadline

    @property
    def is_date_poll(self) -> bool:
        return self.kind == PollKind.DATE


class Option(models.Model):
    """A choice, or for a date poll a slot (`starts_at`/`ends_at`)."""

    id = models.BigAutoField(primary_key=True)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(max_length=200, blank=True, default="")
    position = models.PositiveSmallIntegerField(default=0)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label or f"{self.starts_at:%Y-%m-%d %H:%M}"


class Participation(models.Model):
    """WHO has voted (one row per voter and poll) — never WHAT. The day only, not the time."""

    id = models.BigAutoField(primary_key=True)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    voted_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "user"], name="polls_participation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} voted in {self.poll_id}"


class Ballot(models.Model):
    """WHAT was voted. For a named poll `user` says whose it is; for an anonymous poll `user`
    is empty and `receipt_hash` (SHA-256 of a code only the voter holds) lets them change it.
    No timestamp, and a random key: nothing orders ballots by voting time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING,
        db_constraint=False, related_name="+",
        null=True, blank=True,
    )
    receipt_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 — unique when set
    # Option ids; for a ranked poll in order of preference.
    choices = ArrayField(models.BigIntegerField(), default=list)

    class Meta:
        constraints = [
            # Named (user) or anonymous (receipt), never both: an anonymous ballot has no owner.
            models.CheckConstraint(
                condition=models.Q(user__isnull=True) | models.Q(receipt_hash__isnull=True),
                name="polls_ballot_named_or_anonymous",
            ),
            models.UniqueConstraint(
                fields=["poll", "user"], condition=models.Q(user__isnull=False),
                name="polls_ballot_named_unique",
            ),
            models.UniqueConstraint(
                fields=["poll", "receipt_hash"], condition=models.Q(receipt_hash__isnull=False),
                name="polls_ballot_receipt_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"ballot in {self.poll_id}"


class Answer(models.TextChoices):
    YES = "yes", _("Yes")
    MAYBE = "maybe", _("If need be")
    NO = "no", _("No")


class SlotAnswer(models.Model):
    """A date poll's answer for one slot (date polls are named: the point is who can come)."""

    id = models.BigAutoField(primary_key=True)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="slot_answers")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    answer = models.CharField(max_length=5, choices=Answer.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["option", "user"], name="polls_slot_answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.answer} for {self.option_id}"
