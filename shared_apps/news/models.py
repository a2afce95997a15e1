"""News: announcements to the whole association or to one space, with read receipts, notices
to acknowledge ("lu et approuvé"), attachments, comments and reactions."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Announcement(models.Model):
    id = models.BigAutoField(primary_key=True)
    # The audience: the default space is the whole association, so one visibility rule applies.
    space = models.ForeignKey(
        "spaces.Space", on_delete=models.CASCADE, related_name="+", verbose_name=_("space")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), help_text=_("Markdown: **bold**, *italic*, lists, links."))
    # The sanitised HTML of `body`, rendered on save (never trusted from input).
    body_html = models.TextField(editable=False, default="")
    pinned = models.BooleanField(_("pinned"), default=False)
    requires_ack = models.BooleanField(_("requires acknowledgement"), default=False)
    ack_deadline = models.DateTimeField(_("deadline to acknowledge"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pinned", "-created_at", "-id"]
        indexes = [models.Index(fields=["space", "-pinned", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        from .rendering import render_markdown

        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)


def _attachment_path(instance: Attachment, filename: str) -> str:
    # A random name: the original one is kept in `name` and never used as a path.
    return f"news/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class Attachment(models.Model):
    id = models.BigAutoField(primary_key=True)
    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    is_image = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ReadReceipt(models.Model):
    id = models.BigAutoField(primary_key=True)
    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="receipts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"], name="news_receipt_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.announcement_id}"


class AckChannel(models.TextChoices):
    PAGE = "page", _("On the page")
    LINK = "link", _("From the email")
    API = "api", _("Through the API")


class Acknowledgement(models.Model):
    id = models.BigAutoField(primary_key=True)
    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    acknowledged_at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=8, choices=AckChannel.choices, default=AckChannel.PAGE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"], name="news_ack_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} acknowledged {self.announcement_id}"


class AckReminder(models.Model):
    """One row per reminder sent: at most one per member, notice and day."""

    id = models.BigAutoField(primary_key=True)
    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="reminders"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    sent_on = models.DateField()
    is_last = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "user", "sent_on"], name="news_reminder_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"reminder {self.announcement_id}→{self.user_id} on {self.sent_on}"


class Comment(models.Model):
    id = models.BigAutoField(primary_key=True)
    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    body = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.announcement_id}"


class Emoji(models.TextChoices):
    """The fixed set of reactions: stored by code, shown as the emoji."""

    THUMBS_UP = "thumbs_up", "👍"
    HEART = "heart", "❤️"
    CLAP = "clap", "👏"
    SMILE = "smile", "😄"
    THINKING = "thinking", "🤔"


class Reaction(models.Model):
    id = models.BigAutoField(primary_key=True)
    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="reactions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    emoji = models.CharField(max_length=12, choices=Emoji.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "user", "emoji"], name="news_reaction_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.emoji} {self.announcement_id}"
