"""Amounts in the reader's locale: « 1 234,50 € », "€1,234.50"."""

from babel import Locale
from babel.numbers import format_currency
from django import template
from django.utils import translation

register = template.Library()

_LOCALES = {"fr": "fr_FR", "en": "en_GB"}


@register.filter
def money(cents: int | None, currency: str = "EUR") -> str:
    if cents is None:
        return ""
    locale = _LOCALES.get((translation.get_language() or "fr")[:2], "fr_FR")
    amount = cents / 100
    if cents % 100:
        return format_currency(amount, currency.upper(), locale=locale)
    # Whole amounts without decimals (« 9 € », "€9"), keeping the locale's own pattern and
    # its non-breaking spaces; currency_digits=False, or Babel adds ",00" back.
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(
        amount, currency.upper(), format=pattern, locale=locale, currency_digits=False
    )


@register.filter
def filesizeformat_mb(megabytes: int) -> str:
    """5000 → « 5 Go » / "5 GB" (decimal units, as storage is sold)."""
    from django.utils.translation import gettext as _

    if megabytes >= 1000 and megabytes % 1000 == 0:
        return _("%(n)d GB") % {"n": megabytes // 1000}
    return _("%(n)d MB") % {"n": megabytes}
