"""The search index: one row per searchable item of the association, kept by the services of
each feature (`search_index` / `search_unindex`), with who may see it."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    MEMBER = "member"
    ANNOUNCEMENT = "announcement"
    DISCUSSION = "discussion"  # a thread: its title and first message
    MESSAGE = "message"  # a reply in a thread (found under "discussions")
    DOCUMENT = "document"
    EVENT = "event"
    POLL = "poll"
    SURVEY = "survey"
    FEEDBACK = "feedback"


class SearchEntry(models.Model):
    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField()
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)  # the text as written, for snippets
    url = models.CharField(max_length=300)
    # Visibility. space: readers of that space only (None: the whole association).
    # roles: only these roles (empty: every role); user_ids: these people too, whatever
    # their role (a reporter sees their own feedback).
    space = models.ForeignKey(
        "spaces.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    roles = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    user_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # French and English stems of the accent-folded title (weight A) and body (weight B).
    vector = SearchVectorField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique"),
        ]
        indexes = [
            GinIndex(fields=["vector"], name="search_entry_vector_idx"),
            # The most recent matches of an everyday query (see selectors.RANK_CAP).
            models.Index(fields=["-created_at"], name="search_entry_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
