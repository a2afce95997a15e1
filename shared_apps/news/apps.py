from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    """News, in each association's own schema (a TENANT app)."""

    name = "shared_apps.news"
    label = "news"
    verbose_name = _("News")
