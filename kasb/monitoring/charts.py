"""Charts drawn on the server as inline SVG: no JavaScript, a few hundred bytes, readable on a phone.

Labels are escaped (area and centre names come from partners) and already translated by the caller.
In a right-to-left language the charts are mirrored: bars grow from the right, months run right to left,
and labels are anchored on the right, so Arabic reads naturally.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_bidi

WIDTH = 640
BAR = 22
GAP = 8
LABEL = 200


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None   # None: hidden (suppressed) or nothing to show
    display: str


def _x(x: float, rtl: bool) -> float:
    return WIDTH - x if rtl else x


def bars(items: Sequence[Bar], *, title: str) -> SafeString:
    """Horizontal bars, one per item, labelled with its figure ("…" for a hidden cell)."""
    rtl = get_language_bidi()
    top = max((i.value or 0) for i in items) if items else 0
    span = WIDTH - LABEL - 80
    height = len(items) * (BAR + GAP) + GAP
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" direction="{"rtl" if rtl else "ltr"}" aria-label="{escape(title)}">'
             f'<title>{escape(title)}</title>']
    # Anchors are logical: under direction="rtl" "end" is the left edge, so the mirrored positions below
    # need no swapped anchors.
    start_anchor, end_anchor = "end", "start"
    for n, item in enumerate(items):
        y = GAP + n * (BAR + GAP)
        length = (item.value or 0) / top * span if top else 0
        x0 = LABEL + 8
        left = _x(x0 + length, rtl) if rtl else x0
        parts.append(f'<text x="{_x(LABEL, rtl):.0f}" y="{y + BAR * 0.7:.0f}" text-anchor="{start_anchor}" '
                     f'font-size="13">{escape(item.label)}</text>')
        if length:
            parts.append(f'<rect x="{left:.1f}" y="{y}" width="{length:.1f}" height="{BAR}" fill="#1d5f4a" rx="2"/>')
        parts.append(f'<text x="{_x(x0 + length + 6, rtl):.0f}" y="{y + BAR * 0.7:.0f}" text-anchor="{end_anchor}" '
                     f'font-size="13">{escape(item.display)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label and figure above is escaped


def columns(items: Sequence[Bar], *, title: str) -> SafeString:
    """Vertical bars in order (months), right to left in RTL, figures above and labels below."""
    rtl = get_language_bidi()
    count = max(len(items), 1)
    top = max((i.value or 0) for i in items) if items else 0
    height, base, plot = 220, 180, 150
    step = WIDTH / count
    bar = max(min(step * 0.6, 40), 4)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" direction="{"rtl" if rtl else "ltr"}" aria-label="{escape(title)}">'
             f'<title>{escape(title)}</title>',
             f'<line x1="0" y1="{base}" x2="{WIDTH}" y2="{base}" stroke="#999"/>']
    small = count > 12
    for n, item in enumerate(items):
        centre = _x(step * n + step / 2, rtl)
        h = (item.value or 0) / top * plot if top else 0
        if h:
            parts.append(f'<rect x="{centre - bar / 2:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="#1d5f4a" rx="2"/>')
        parts.append(f'<text x="{centre:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" font-size="11">'
                     f'{escape(item.display)}</text>')
        label = item.label[2:] if small else item.label  # "2026-03" -> "26-03" when space is short
        parts.append(f'<text x="{centre:.1f}" y="{base + 16}" text-anchor="middle" font-size="11">'
                     f'{escape(label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label and figure above is escaped


@dataclass(frozen=True)
class ProgressBar:
    label: str
    percent: int | None   # actual as a percentage of target; None: hidden or no target
    display: str          # "2,100 of 3,190 (66%)" or "…"


def progress_bars(items: Sequence[ProgressBar], *, title: str) -> SafeString:
    """One bar per framework indicator, drawn for a phone's width: the label on its own line, then a track
    filled up to the actual's share of its target (capped at 150%, a dashed mark at 100%) with the figure
    written on it. Green once the target is reached. Mirrored in right-to-left languages."""
    rtl = get_language_bidi()
    width, line, track = 360, 18, 20
    step = line + track + 10
    full = (width - 8) / 1.5
    height = len(items) * step + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart progress" role="img" '
             f'viewBox="0 0 {width} {height}" width="100%" direction="{"rtl" if rtl else "ltr"}" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']

    def x(value: float) -> float:
        return width - value if rtl else value

    for n, item in enumerate(items):
        y = 4 + n * step
        parts.append(f'<text x="{x(4):.0f}" y="{y + 13}" text-anchor="start" font-size="13">'
                     f'{escape(item.label[:48])}</text>')
        top = y + line
        parts.append(f'<rect x="4" y="{top}" width="{width - 8}" height="{track}" fill="#eef2f0" rx="2"/>')
        if item.percent:
            length = min(item.percent, 150) / 100 * full
            colour = "#1d5f4a" if item.percent >= 100 else "#c98a1b"
            left = x(4 + length) if rtl else 4
            parts.append(f'<rect x="{left:.1f}" y="{top}" width="{length:.1f}" height="{track}" fill="{colour}" '
                         f'rx="2"/>')
        mark = x(4 + full)
        parts.append(f'<line x1="{mark:.1f}" y1="{top - 2}" x2="{mark:.1f}" y2="{top + track + 2}" stroke="#111" '
                     f'stroke-dasharray="3 2"/>')
        parts.append(f'<text x="{x(8):.0f}" y="{top + 15}" text-anchor="start" font-size="12" '
                     f'paint-order="stroke" stroke="#fff" stroke-width="3">{escape(item.display)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label and figure above is escaped
