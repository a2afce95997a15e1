"""Charts drawn on the server as inline SVG (no JavaScript library): horizontal bars for
choices, yes/no and dates, columns for scales with their mean. Accessible: role="img", a
<title> and a <desc> holding every number, which the page also prints as text."""

from __future__ import annotations

import itertools
from xml.sax.saxutils import escape

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .selectors import Bar

BAR_MAX = 200.0  # px: the longest bar (the most chosen answer)
COLUMN_MAX = 120.0  # px: the tallest column of a scale
LABEL_WIDTH = 160
ROW_HEIGHT = 28
_ids = itertools.count(1)


def _describe(bars: list[Bar]) -> str:
    return "; ".join(
        _("%(label)s: %(count)s (%(percent)s %%)")
        % {"label": b.label, "count": b.count, "percent": number_format(b.percent, 1)}
        for b in bars
    )


def _length(count: int, largest: int, full: float) -> float:
    return round(full * count / largest, 1) if largest else 0.0


def bar_chart(title: str, bars: list[Bar]) -> str:
    """Horizontal bars: one row per answer, length proportional to its count."""
    chart_id = f"survey-chart-{next(_ids)}"
    largest = max((b.count for b in bars), default=0)
    width = LABEL_WIDTH + BAR_MAX + 90
    height = max(ROW_HEIGHT * len(bars), ROW_HEIGHT)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="survey-chart" role="img" '
        f'width="{width:g}" height="{height}" viewBox="0 0 {width:g} {height}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(_describe(bars))}</desc>',
    ]
    for i, bar in enumerate(bars):
        y = i * ROW_HEIGHT
        length = _length(bar.count, largest, BAR_MAX)
        label = bar.label if len(bar.label) <= 24 else bar.label[:23] + "…"
        parts += [
            f'<text x="0" y="{y + 18}" font-size="13" fill="currentColor">{escape(label)}</text>',
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 5}" width="{length:g}" height="18" '
            f'rx="2" fill="#2f6db3" data-count="{bar.count}"/>',
            f'<text x="{LABEL_WIDTH + length + 6:g}" y="{y + 18}" font-size="13" '
            f'fill="currentColor">{bar.count} ({escape(number_format(bar.percent, 1))} %)</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def scale_chart(title: str, bars: list[Bar], mean: float | None) -> str:
    """Columns, one per value of the scale, height proportional to its count; the mean is a
    dashed vertical line across the columns."""
    chart_id = f"survey-chart-{next(_ids)}"
    largest = max((b.count for b in bars), default=0)
    step = 32
    top, bottom = 20, 40
    width = max(step * len(bars) + 20, 200)
    height = int(COLUMN_MAX) + top + bottom
    description = _describe(bars)
    if mean is not None:
        description += ". " + _("Mean: %(mean)s") % {"mean": number_format(mean, 2)}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="survey-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    base = top + COLUMN_MAX
    for i, bar in enumerate(bars):
        x = 10 + i * step
        size = _length(bar.count, largest, COLUMN_MAX)
        parts += [
            f'<rect class="bar" x="{x + 4}" y="{base - size:g}" width="{step - 8}" '
            f'height="{size:g}" rx="2" fill="#2f6db3" data-count="{bar.count}"/>',
            f'<text x="{x + step / 2:g}" y="{base - size - 4:g}" font-size="12" '
            f'text-anchor="middle" fill="currentColor">{bar.count}</text>',
            f'<text x="{x + step / 2:g}" y="{base + 16:g}" font-size="13" '
            f'text-anchor="middle" fill="currentColor">{escape(bar.label)}</text>',
        ]
    if mean is not None and bars:
        first = int(bars[0].label)
        # Column centres are `step` apart: place the mean between them proportionally.
        x = 10 + (mean - first) * step + step / 2
        parts.append(
            f'<line class="mean" x1="{x:g}" x2="{x:g}" y1="{top - 6}" y2="{base:g}" '
            f'stroke="#b3412f" stroke-width="2" stroke-dasharray="4 3"/>'
        )
        parts.append(
            f'<text x="{x:g}" y="{base + 34:g}" font-size="12" text-anchor="middle" '
            f'fill="currentColor">{escape(_("mean %(mean)s") % {"mean": number_format(mean, 2)})}'
            f"</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
