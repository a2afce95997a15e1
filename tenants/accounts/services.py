"""Writes on accounts."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from .models import User


def account_set_language(*, user: User, language: str) -> None:
    if language and language not in dict(settings.LANGUAGES):
        raise ValueError(language)
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language


@transaction.atomic
def account_update_profile(*, user: User, full_name: str, language: str) -> User:
    if language and language not in dict(settings.LANGUAGES):
        raise ValueError(language)
    renamed = full_name.strip() != user.full_name
    user.full_name = full_name.strip()
    user.language = language
    user.save(update_fields=["full_name", "language"])
    if renamed:
        user_id = user.pk
        transaction.on_commit(lambda: _member_entries_refresh(user_id))
    return user


def _member_entries_refresh(user_id: int) -> None:
    """The name is shown (and searched) in every association the person belongs to: one task
    per association, sent from its schema so that it runs there."""
    from django_tenants.utils import tenant_context

    from shared_apps.members.tasks import members_search_refresh
    from tenants.models import Affiliation

    affiliations = Affiliation.objects.filter(user_id=user_id, is_active=True).select_related(
        "association"
    )
    for affiliation in affiliations:
        with tenant_context(affiliation.association):
            members_search_refresh.delay(user_id)
