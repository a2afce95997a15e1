"""Keep every process's host → association map true when domains or associations change."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Association, Domain


@receiver([post_save, post_delete], sender=Domain)
@receiver([post_save, post_delete], sender=Association)
def _routing_changed(sender, **kwargs) -> None:  # noqa: ANN001 — signal signature
    from .routing import routing_invalidate

    transaction.on_commit(routing_invalidate)
