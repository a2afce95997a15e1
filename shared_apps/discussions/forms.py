"""Forms of the discussion pages (files are read from request.FILES["files"], several allowed)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .rendering import MAX_MESSAGE
from .services import MAX_TITLE


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    body = forms.CharField(
        label=_("Message"), max_length=MAX_MESSAGE, widget=forms.Textarea(attrs={"rows": 6})
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), max_length=MAX_MESSAGE, widget=forms.Textarea(attrs={"rows": 4})
    )
