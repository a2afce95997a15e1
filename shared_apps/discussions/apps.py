from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscussionsConfig(AppConfig):
    """Discussions, in each association's own schema (a TENANT app)."""

    name = "shared_apps.discussions"
    label = "discussions"
    verbose_name = _("Discussions")
