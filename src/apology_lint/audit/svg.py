"""Charts as inline SVG strings: no plotting library, no script, nothing fetched.

Each chart is a complete ``<svg>`` with ``role="img"``, a ``<title>`` and a ``<desc>``
(what a screen reader announces); the page puts a table of the same numbers under it.
Colours and fonts come from the page's CSS classes (``c0``…``c7``, ``axis``, ``grid``,
``lbl``…), so the charts follow the page's light or dark scheme. Drawing sizes are in
viewBox units and the page scales the SVG to its column: the charts are drawn 480 units
wide, which a 420 px phone shows at about 0.8 scale and a desktop column at about 1.1,
so 14- and 16-unit text stays readable at both (11 px at the least). Labels go above
their bars, not beside them, so a long rule id or provider name never squeezes the bars
on a narrow screen. No ``xmlns``: an ``<svg>`` inside HTML needs none, and the page
then holds no URL at all.

Every text that came from the data is escaped here; a caller passes plain strings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 480
FONT = 16
SMALL = 14
PALETTE = 8  # classes c0..c7 in the page's CSS (Okabe-Ito, colour-blind safe)


def _fmt(value: float) -> str:
    """A coordinate, short: the SVG text is a big part of the page."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, content: str, cls: str = "lbl", anchor: str = "start",
          size: int = FONT, extra: str = "") -> str:
    return (f'<text x="{_fmt(x)}" y="{_fmt(y)}" class="{cls}" font-size="{size}" '
            f'text-anchor="{anchor}"{extra}>{escape(content)}</text>')


def _open(ident: str, height: float, title: str, desc: str, width: float = WIDTH,
          cls: str = "chart") -> str:
    return (f'<svg viewBox="0 0 {_fmt(width)} '
            f'{_fmt(height)}" width="{_fmt(width)}" height="{_fmt(height)}" role="img" '
            f'aria-labelledby="{ident}-t {ident}-d" class="{cls}" id="{ident}">'
            f'<title id="{ident}-t">{escape(title)}</title>'
            f'<desc id="{ident}-d">{escape(desc)}</desc>')


def _clip(label: str, chars: int) -> str:
    return label if len(label) <= chars else label[:chars - 1] + "…"


def _axis(value: float) -> tuple[float, float]:
    """The axis end and tick step for data up to ``value``: a step of 1, 2, 2.5 or 5
    times a power of ten, giving three to six ticks, and the end a whole number of steps."""
    if value <= 0:
        return 1.0, 0.25
    raw = value / 5
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * 0.999999)
    return step * math.ceil(value / step - 1e-9), step


def _ticks(top: float, step: float) -> list[float]:
    return [step * i for i in range(round(top / step) + 1)]


def _tick_label(value: float, unit: str, compact: bool = False) -> str:
    """``compact``: thousands as ``12.5k`` (for an axis that reaches 10,000, every tick
    alike), so a tick label stays narrower than its margin."""
    if compact and value:
        return f"{value / 1000:.1f}".rstrip("0").rstrip(".") + f"k{unit}"
    text = f"{value:.1f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))
    return f"{text}{unit}"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    # Shown at the bar's end (the value with its unit, "n=…").
    note: str
    # Palette index: bars of one meaning share a colour.
    colour: int = 0


def _vertical_grid(parts: list[str], x0: float, span: float, top: float, step: float,
                   y0: float, y1: float, unit: str) -> None:
    for tick in _ticks(top, step):
        x = x0 + span * tick / top
        parts.append(f'<line x1="{_fmt(x)}" x2="{_fmt(x)}" y1="{_fmt(y0)}" y2="{_fmt(y1)}" '
                     'class="grid"/>')
        parts.append(_text(x, y1 + 16, _tick_label(tick, unit), "tick", "middle", SMALL))


def bar_chart(ident: str, bars: Sequence[Bar], title: str, desc: str, axis_label: str,
              unit: str = "", top: float | None = None) -> str:
    """Horizontal bars on a common axis from 0, each under a line with its label on the
    left and its value on the right (a value at the bar's end would need a margin as
    wide as the longest value, taken from every bar)."""
    left, right, row = 10.0, 22.0, 42.0
    span = WIDTH - left - right
    if top is None:
        end, step = _axis(max((b.value for b in bars), default=0))
    else:
        end, step = top, top / 4
    base = 8.0
    bottom = base + row * len(bars)
    height = bottom + 44
    parts = [_open(ident, height, title, desc)]
    _vertical_grid(parts, left, span, end, step, base, bottom, unit)
    for i, bar in enumerate(bars):
        y = base + row * i
        width = span * min(bar.value, end) / end if end else 0
        room = max(8, int((span - len(bar.note) * SMALL * 0.62) / (FONT * 0.6)))
        parts.append(_text(left, y + 16, _clip(bar.label, room)))
        parts.append(_text(left + span, y + 16, bar.note, "val", "end", SMALL))
        parts.append(f'<rect x="{_fmt(left)}" y="{_fmt(y + 21)}" width="{_fmt(max(width, 1))}"'
                     f' height="15" class="c{bar.colour % PALETTE}"><title>'
                     f'{escape(bar.label)}: {escape(bar.note)}</title></rect>')
    parts.append(_text(left + span / 2, height - 4, axis_label, "axis", "middle", SMALL))
    parts.append("</svg>")
    return "".join(parts)


def column_chart(ident: str, columns: Sequence[tuple[str, float]], title: str, desc: str,
                 x_label: str, y_label: str, colour: int = 0, unit: str = "") -> str:
    """Vertical columns (a histogram), ``(label, value)`` each. Labels go under the
    columns, tilted when they would not fit side by side."""
    left, right, top_pad, plot_h = 58.0, 8.0, 12.0, 160.0
    span = WIDTH - left - right
    step_x = span / max(len(columns), 1)
    longest = max((len(label) for label, _ in columns), default=0)
    tilt = longest * SMALL * 0.62 > step_x * 0.92
    label_h = (longest * SMALL * 0.6 * 0.6 + 18) if tilt else 20
    height = top_pad + plot_h + label_h + 26
    top, step = _axis(max((v for _, v in columns), default=0))
    parts = [_open(ident, height, title, desc)]
    for tick in _ticks(top, step):
        y = top_pad + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{_fmt(left)}" x2="{_fmt(WIDTH - right)}" y1="{_fmt(y)}" '
                     f'y2="{_fmt(y)}" class="grid"/>')
        parts.append(_text(left - 5, y + 4, _tick_label(tick, unit, top >= 10_000), "tick",
                           "end", SMALL))
    for i, (label, value) in enumerate(columns):
        h = plot_h * value / top if top else 0
        x = left + step_x * i + step_x * 0.1
        parts.append(f'<rect x="{_fmt(x)}" y="{_fmt(top_pad + plot_h - h)}" '
                     f'width="{_fmt(step_x * 0.8)}" height="{_fmt(max(h, 0))}" '
                     f'class="c{colour % PALETTE}"><title>{escape(label)}: '
                     f'{escape(_tick_label(value, unit))}</title></rect>')
        cx, ly = left + step_x * i + step_x / 2, top_pad + plot_h + 16
        if tilt:
            parts.append(_text(cx + 4, ly, label, "tick", "end", SMALL,
                               f' transform="rotate(-35 {_fmt(cx + 4)} {_fmt(ly)})"'))
        else:
            parts.append(_text(cx, ly, label, "tick", "middle", SMALL))
    parts.append(_text(left + span / 2, height - 6, x_label, "axis", "middle", SMALL))
    mid = top_pad + plot_h / 2
    parts.append(_text(15, mid, y_label, "axis", "middle", SMALL,
                       f' transform="rotate(-90 15 {_fmt(mid)})"'))
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Spread:
    """One row of a range chart: the quantiles of a score distribution."""

    label: str
    p10: float
    p25: float
    median: float
    p75: float
    p90: float
    note: str


def range_chart(ident: str, rows: Sequence[Spread], title: str, desc: str, axis_label: str,
                colour: int = 0, low: float = 0, high: float = 100) -> str:
    """A box per row on a common axis: the line from the 10th to the 90th percentile,
    the box from the 25th to the 75th, a mark at the median; the label above it. The
    axis is labelled at the top and the bottom: a long chart is read scrolled."""
    left, right, row = 10.0, 18.0, 44.0
    span = WIDTH - left - right
    base = 26.0
    bottom = base + row * len(rows)
    height = bottom + 44

    def x(value: float) -> float:
        return left + span * (min(max(value, low), high) - low) / (high - low)

    parts = [_open(ident, height, title, desc)]
    _vertical_grid(parts, left, span, high - low, 20, base, bottom, "")
    for tick in _ticks(high - low, 20):
        parts.append(_text(left + span * tick / (high - low), base - 8, _tick_label(low + tick, ""),
                           "tick", "middle", SMALL))
    for i, r in enumerate(rows):
        y = base + row * i
        mid = y + 30
        tip = (f"{r.label}: median {r.median:g}, middle half {r.p25:g}-{r.p75:g}, "
               f"10th-90th percentile {r.p10:g}-{r.p90:g} ({r.note})")
        parts.append(_text(left, y + 16, f"{_clip(r.label, 36)}  ·  {r.note}"))
        box = max(x(r.p75) - x(r.p25), 3)
        parts.append(f'<g><title>{escape(tip)}</title>'
                     f'<line x1="{_fmt(x(r.p10))}" x2="{_fmt(x(r.p90))}" y1="{_fmt(mid)}" '
                     f'y2="{_fmt(mid)}" class="whisker"/>'
                     f'<rect x="{_fmt(min(x(r.p25), WIDTH - right - box))}" '
                     f'y="{_fmt(mid - 7)}" width="{_fmt(box)}" height="14" '
                     f'class="c{colour % PALETTE} box"/>'
                     f'<rect x="{_fmt(x(r.median) - 1.5)}" y="{_fmt(mid - 10)}" width="3" '
                     f'height="20" class="median"/></g>')
    parts.append(_text(left + span / 2, height - 4, axis_label, "axis", "middle", SMALL))
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Series:
    name: str
    # One value per x label; None where there is no data (a gap in the line).
    values: Sequence[float | None]
    colour: int


@dataclass(frozen=True)
class Panel:
    title: str
    series: Sequence[Series]


PANEL_WIDTH = 280


def line_panel(ident: str, x_labels: Sequence[str], panel: Panel, desc: str,
               top: float = 100, unit: str = "%") -> str:
    """One small line chart of a set of small multiples (a part of the message, the
    kinds as its lines), titled inside. The page lays the panels out in a grid that
    reflows: four across on a desktop, one on a phone, each still readable."""
    left, right, title_h, plot_h = 46.0, 14.0, 30.0, 96.0
    width = PANEL_WIDTH
    height = title_h + plot_h + 26
    span = width - left - right
    count = len(x_labels)
    x0, y0 = left, title_h

    def px(i: int) -> float:
        return x0 + (span * i / (count - 1) if count > 1 else span / 2)

    def py(v: float) -> float:
        return y0 + plot_h - plot_h * min(max(v, 0), top) / top

    parts = [_open(ident, height, panel.title, desc, width, "chart panel")]
    parts.append(_text(x0, 17, panel.title, "lbl", size=FONT, extra=' font-weight="600"'))
    for tick in (0, top / 2, top):
        parts.append(f'<line x1="{_fmt(x0)}" x2="{_fmt(x0 + span)}" y1="{_fmt(py(tick))}" '
                     f'y2="{_fmt(py(tick))}" class="grid"/>')
        parts.append(_text(x0 - 5, py(tick) + 4, _tick_label(tick, unit), "tick", "end", SMALL))
    if x_labels:
        parts.append(_text(x0, y0 + plot_h + 18, x_labels[0], "tick", "start", SMALL))
        if count > 1:
            parts.append(_text(x0 + span, y0 + plot_h + 18, x_labels[-1], "tick", "end", SMALL))
    for s in panel.series:
        runs: list[list[str]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{_fmt(px(i))},{_fmt(py(v))}")
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline points="{" ".join(run)}" '
                             f'class="line s{s.colour % PALETTE}"><title>'
                             f'{escape(panel.title)}, {escape(s.name)}</title></polyline>')
            elif run:
                cx, cy = run[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" '
                             f'class="c{s.colour % PALETTE}"/>')
    parts.append("</svg>")
    return "".join(parts)


def legend_key(colour: int) -> str:
    """A line sample for an HTML legend, hidden from screen readers (the text says it)."""
    return (f'<svg viewBox="0 0 26 10" width="26" height="10" aria-hidden="true" '
            f'class="key"><line x1="1" x2="25" y1="5" y2="5" '
            f'class="line s{colour % PALETTE}"/></svg>')


HEAT_STEPS = 5


def heatmap(ident: str, rows: Sequence[str], columns: Sequence[str],
            values: dict[tuple[str, str], float], title: str, desc: str,
            legend: str, unit: str = "") -> str:
    """A grid of cells shaded by value, in five steps of one hue from the lowest value
    to the highest (so order reads without colour vision, and a narrow range still
    shows), the value written in each cell. Drawn at its natural size: the page lets it
    scroll sideways inside its box on a narrow screen, starting at the newest columns,
    so the row labels are written at both ends."""
    label_w, cell_w, cell_h, head = 170.0, 40.0, 24.0, 64.0
    grid_end = label_w + cell_w * len(columns)
    width = grid_end + label_w
    height = head + cell_h * len(rows) + 8
    low = min(values.values(), default=0.0)
    high = max(values.values(), default=0.0)
    parts = [_open(ident, height, title, desc, width, "chart heat")]
    # The scale, top left: five swatches from the lowest to the highest value.
    parts.append(_text(8, 16, legend, "tick", size=SMALL))
    for step in range(HEAT_STEPS):
        parts.append(f'<rect x="{_fmt(8 + 22 * step)}" y="24" width="20" height="12" '
                     f'class="h{step}"/>')
    parts.append(_text(8, 52, f"{low:g}", "tick", size=SMALL))
    parts.append(_text(8 + 22 * HEAT_STEPS - 2, 52, f"{high:g}", "tick", "end", SMALL))
    for j, column in enumerate(columns):
        cx = label_w + cell_w * j + cell_w / 2
        parts.append(_text(cx - 4, head - 6, column, "tick", "start", SMALL,
                           f' transform="rotate(-45 {_fmt(cx - 4)} {_fmt(head - 6)})"'))
    for i, row in enumerate(rows):
        y = head + cell_h * i
        parts.append(_text(label_w - 6, y + cell_h / 2 + 5, _clip(row, 22), "lbl", "end",
                           SMALL))
        parts.append(_text(grid_end + 6, y + cell_h / 2 + 5, _clip(row, 22), "lbl", "start",
                           SMALL))
        for j, column in enumerate(columns):
            value = values.get((row, column))
            if value is None:
                continue
            share = (value - low) / (high - low) if high > low else 0.5
            step = min(int(share * HEAT_STEPS), HEAT_STEPS - 1)
            x = label_w + cell_w * j
            parts.append(f'<rect x="{_fmt(x + 1)}" y="{_fmt(y + 1)}" width="{_fmt(cell_w - 2)}"'
                         f' height="{_fmt(cell_h - 2)}" class="h{step}"><title>'
                         f'{escape(row)}, {escape(column)}: {value:g}{escape(unit)}'
                         f'</title></rect>')
            parts.append(_text(x + cell_w / 2, y + cell_h / 2 + 5, f"{value:.0f}",
                               f"hv{step}", "middle", SMALL))
    parts.append("</svg>")
    return "".join(parts)
