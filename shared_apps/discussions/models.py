"""Discussions: threads in spaces, their messages, reactions, attachments, and each member's
state of a thread (following, muted, last message read). In the association's schema."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The fixed set of reactions (small on purpose: no picker needed, works without JS).
REACTIONS: tuple[str, ...] = ("👍", "❤️", "😄", "🎉", "😮", "🙏")


class Thread(models.Model):
    id = models.BigAutoField(primary_key=True)
    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Moved forward by each reply: the lists sort by it.
    last_activity_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["space", "-last_activity_at"]),
            models.Index(fields=["-last_activity_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class Message(models.Model):
    id = models.BigAutoField(primary_key=True)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    body = models.TextField(_("message"))  # Markdown source, as written
    body_html = models.TextField()  # rendered and sanitised when saved
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Deleted by its author: the row stays (replies keep their place), its content is emptied.
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Hidden by a moderator: content kept, shown to moderators only.
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.thread_id}#{self.pk}"


class Mention(models.Model):
    """Who a message mentioned (so an edit notifies only the newly mentioned)."""

    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="discussions_mention_once")
        ]

    def __str__(self) -> str:
        return f"{self.message_id}@{self.user_id}"


class Reaction(models.Model):
    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    emoji = models.CharField(max_length=16)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user", "emoji"], name="discussions_reaction_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_id}:{self.emoji}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # A random name: the original one is kept in `name` and never used on disk.
    return f"discussions/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Subscription(models.TextChoices):
    NONE = "none", _("Not following")
    FOLLOW = "follow", _("Following")
    MUTE = "mute", _("Muted")


class ThreadState(models.Model):
    """One member's relation to a thread: following or muted, and the last message read."""

    id = models.BigAutoField(primary_key=True)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="states")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    subscription = models.CharField(
        max_length=8, choices=Subscription.choices, default=Subscription.NONE
    )
    last_read_message_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="discussions_state_once")
        ]

    def __str__(self) -> str:
        return f"{self.thread_id}@{self.user_id}:{self.subscription}"
