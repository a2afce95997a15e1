from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Notifications, in each association's own schema (a TENANT app)."""

    name = "shared_apps.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
