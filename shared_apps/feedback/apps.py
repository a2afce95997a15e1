from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldFeedbackConfig(AppConfig):
    """Field feedback, in each association's own schema (a TENANT app)."""

    name = "shared_apps.feedback"
    label = "feedback"
    verbose_name = _("Field feedback")
