"""Writes on accounts."""

from __future__ import annotations

from django.conf import settings

from .models import User


def account_set_language(*, user: User, language: str) -> None:
    if language and language not in dict(settings.LANGUAGES):
        raise ValueError(language)
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language


def account_update_profile(*, user: User, full_name: str, language: str) -> User:
    if language and language not in dict(settings.LANGUAGES):
        raise ValueError(language)
    user.full_name = full_name.strip()
    user.language = language
    user.save(update_fields=["full_name", "language"])
    return user
