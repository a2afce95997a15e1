from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    """Surveys, in each association's own schema (a TENANT app)."""

    name = "shared_apps.surveys"
    label = "surveys"
    verbose_name = _("Surveys")
