from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PollsConfig(AppConfig):
    """Polls and date polls, in each association's own schema (a TENANT app)."""

    name = "shared_apps.polls"
    label = "polls"
    verbose_name = _("Polls")
