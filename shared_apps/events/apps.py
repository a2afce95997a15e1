from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    """Events, in each association's own schema (a TENANT app)."""

    name = "shared_apps.events"
    label = "events"
    verbose_name = _("Events")
