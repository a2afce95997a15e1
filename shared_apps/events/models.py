"""Events: one-off or recurring (an RRULE evaluated in the association's local time), in a
space (the default space is the whole association), with RSVPs per occurrence, a capacity and a
waiting list, reminders, and calendar feeds."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AttendeesVisibility(models.TextChoices):
    EVERYONE = "everyone", _("Everyone who can see the event")
    ORGANISERS = "organisers", _("The board and the organisers")


class Event(models.Model):
    id = models.BigAutoField(primary_key=True)
    space = models.ForeignKey(
        "spaces.Space", on_delete=models.CASCADE, related_name="+", verbose_name=_("space")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Sanitised HTML of `description`, rendered on save (never trusted from input).
    description_html = models.TextField(editable=False, default="")
    # The first occurrence (aware; stored in UTC). All-day events run from local midnight of
    # the first day to local midnight after the last day.
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    all_day = models.BooleanField(_("all day"), default=False)
    # The zone the times were entered in: the recurrence rule is evaluated in it, so 19:00
    # stays 19:00 across daylight-saving changes.
    time_zone = models.CharField(max_length=64, default="Europe/Paris")
    location = models.CharField(_("place"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), max_length=500, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    waitlist = models.BooleanField(_("waiting list when full"), default=True)
    rsvp_deadline = models.DateTimeField(_("answer before"), null=True, blank=True)
    attendees_visibility = models.CharField(
        _("who sees the attendees"), max_length=12, choices=AttendeesVisibility.choices,
        default=AttendeesVisibility.EVERYONE,
    )
    # RFC 5545 RRULE without UNTIL (e.g. "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU" or with COUNT);
    # the last day is `repeat_until` (a local date), turned into UNTIL when exported.
    rrule = models.CharField(max_length=200, blank=True)
    repeat_until = models.DateField(null=True, blank=True)
    uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    # Bumped on each change (iCalendar SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["space", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        from shared_apps.news.rendering import render_markdown

        self.description_html = render_markdown(self.description)
        super().save(*args, **kwargs)

    @property
    def is_recurring(self) -> bool:
        return bool(self.rrule)


class Occurrence(models.Model):
    """One date of an event, made when needed: to hold RSVPs (the row locked while counting
    places), or an exception (cancelled, or edited on its own: iCalendar RECURRENCE-ID)."""

    id = models.BigAutoField(primary_key=True)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="occurrences")
    # Where the rule put it (the RECURRENCE-ID); its key in URLs and signed links.
    original_start = models.DateTimeField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    cancelled = models.BooleanField(default=False)
    # Edited on its own ("this occurrence only"): exported as an override.
    modified = models.BooleanField(default=False)
    title = models.CharField(max_length=200, blank=True)  # blank: the event's
    location = models.CharField(max_length=300, blank=True)  # blank: the event's
    description = models.TextField(blank=True)  # blank: the event's
    description_html = models.TextField(editable=False, default="")
    # This date's own number of places (None: unlimited) when `capacity_own`; else the event's.
    capacity = models.PositiveIntegerField(null=True, blank=True)
    capacity_own = models.BooleanField(default=False)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "original_start"], name="events_occurrence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id}@{self.original_start:%Y-%m-%dT%H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        from shared_apps.news.rendering import render_markdown

        self.description_html = render_markdown(self.description) if self.description else ""
        super().save(*args, **kwargs)


class Answer(models.TextChoices):
    YES = "yes", _("Yes")
    MAYBE = "maybe", _("Maybe")
    NO = "no", _("No")


class RsvpChannel(models.TextChoices):
    PAGE = "page", _("On the page")
    LINK = "link", _("From the email")
    API = "api", _("Through the API")


class Rsvp(models.Model):
    id = models.BigAutoField(primary_key=True)
    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    answer = models.CharField(max_length=8, choices=Answer.choices)
    # A "yes" beyond the capacity waits; the first to have answered is promoted first.
    waiting = models.BooleanField(default=False)
    answered_at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=8, choices=RsvpChannel.choices, default=RsvpChannel.PAGE)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["answered_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "user"], name="events_rsvp_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.answer} {self.occurrence_id}"


class Reminder(models.Model):
    """One row per reminder sent: never twice for the same member and occurrence."""

    id = models.BigAutoField(primary_key=True)
    occurrence = models.ForeignKey(
        Occurrence, on_delete=models.CASCADE, related_name="reminders"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "user"], name="events_reminder_once")
        ]

    def __str__(self) -> str:
        return f"reminder {self.occurrence_id}→{self.user_id}"


class CalendarToken(models.Model):
    """The secret of a member's personal calendar feed (one per member of this association;
    rotating it replaces the row, so the old address stops working)."""

    id = models.BigAutoField(primary_key=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"calendar token of {self.user_id}"


class CalendarVersion(models.Model):
    """One row: bumped on every change to events, so cached feeds know they are stale."""

    id = models.BigAutoField(primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"calendar v{self.version}"
