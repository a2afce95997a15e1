"""The public index of who belongs where, written by the members services of each schema."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Affiliation, Association


def affiliation_sync(
    *, association: Association, user_id: int, is_active: bool, member_count: int
) -> None:
    Affiliation.objects.update_or_create(
        user_id=user_id, association_id=association.pk, defaults={"is_active": is_active}
    )
    Association.objects.filter(pk=association.pk).update(member_count=member_count)


def associations_of(*, user_id: int) -> QuerySet[Association]:
    """The associations this account is an active member of, by name."""
    return Association.objects.filter(
        pk__in=Affiliation.objects.filter(user_id=user_id, is_active=True).values("association_id")
    ).order_by("name")
