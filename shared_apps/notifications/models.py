"""The activity feed and in-app notifications, in the association's schema."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Activity(models.Model):
    """Something that happened, shown in the feed of those who can see its space."""

    id = models.BigAutoField(primary_key=True)
    # None: association-wide (visible to every member).
    space = models.ForeignKey(
        "spaces.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    verb = models.CharField(max_length=40)  # e.g. "news.published", "discussions.replied"
    target_type = models.CharField(max_length=40)  # e.g. "news.announcement"
    target_id = models.BigIntegerField()
    summary = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    pinned = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["space", "-created_at"]),
            # The feed's order (pinned first, newest first) and its keyset cursor.
            models.Index(fields=["-pinned", "-created_at", "-id"], name="notif_activity_feed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.target_type}:{self.target_id}"


class Category(models.TextChoices):
    MENTION = "mention", _("Mentions")
    REPLY = "reply", _("Replies to my threads")
    ANNOUNCEMENT = "announcement", _("Announcements")
    ACKNOWLEDGEMENT = "acknowledgement", _("Notices to acknowledge")
    MEMBERS = "members", _("Invitations and join requests")
    ACTIVITY = "activity", _("Activity in my spaces")
    EVENTS = "events", _("Events: invitations, reminders and changes")
    POLLS = "polls", _("Polls and surveys to answer")
    FEEDBACK = "feedback", _("Field feedback")


class Notification(models.Model):
    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    # The object it is about, so a private space's notifications can be checked and removed.
    space = models.ForeignKey(
        "spaces.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"]),
            # Digests look for what has not been emailed yet.
            models.Index(
                fields=["user", "created_at"], name="notif_unemailed_idx",
                condition=models.Q(emailed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.category}"


class Channel(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    DAILY = "daily", _("Daily digest")
    WEEKLY = "weekly", _("Weekly digest")
    NEVER = "never", _("Never")


# What a member gets by email until they choose: what calls for a reaction comes at once,
# the rest gathers in digests.
DEFAULT_CHANNELS: dict[str, str] = {
    Category.MENTION: Channel.IMMEDIATE,
    Category.REPLY: Channel.IMMEDIATE,
    Category.ACKNOWLEDGEMENT: Channel.IMMEDIATE,
    Category.ANNOUNCEMENT: Channel.DAILY,
    Category.MEMBERS: Channel.DAILY,
    Category.ACTIVITY: Channel.WEEKLY,
    # Reminders and changes of an event matter on the day; answers to feedback are awaited.
    Category.EVENTS: Channel.IMMEDIATE,
    Category.POLLS: Channel.DAILY,
    Category.FEEDBACK: Channel.IMMEDIATE,
}


class Preference(models.Model):
    """How one member wants the emails of one category (no row: DEFAULT_CHANNELS)."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category"], name="notifications_one_preference_per_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.category}={self.channel}"


class FeedState(models.Model):
    """When a member last looked at the feed: what came after is marked unread.
    `marker_at` is the previous visit, kept while they page through with "load more"."""

    id = models.BigAutoField(primary_key=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    seen_at = models.DateTimeField()
    marker_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}@{self.seen_at:%Y-%m-%d %H:%M}"
