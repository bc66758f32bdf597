"""``report.html``: the audit as one self-contained page.

One file, nothing fetched: the CSS is inline, the plots are inline SVG drawn by
``svg.py``, there is no script and no font but the system's. Every plot is a
``<figure>`` with a heading, the SVG (``role="img"`` with a title and a description),
a caption that says what to read in it, and the same numbers as a table under it (in a
``<details>``, so the page stays short but a screen reader or a copy-paste gets them).

The page is one column on a phone and two on a desktop. Per-group plots use the first
``--group-by`` dimension on its own (exact counts, from ``by_dimension``); with two
dimensions a heatmap crosses them, drawn at its natural size inside a box that scrolls
sideways, so the page itself never does.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from .. import __version__
from ..models import ELEMENT_NAMES, KINDS
from .models import AggregatesDocument, GroupSummary, KindSummary, RuleRate
from .svg import (
    Bar,
    Panel,
    Series,
    Spread,
    bar_chart,
    column_chart,
    heatmap,
    legend_key,
    line_panel,
    range_chart,
)

# Groups shown in a per-group plot: the largest by messages (the rest are in the CSV).
MAX_ROWS = 30
MAX_HEAT = 40
# A quarter with fewer messages of a kind than this is a gap in the parts-over-time lines:
# three messages make a share jump from 0 to 100%.
MIN_POINT = 20
KIND_COLOUR = {"update": 0, "resolution": 2, "apology": 1}
PART_LABEL = {"next_update": "next update"}
_HIST_LABELS = [f"{10 * i}-{10 * i + 9}" for i in range(9)] + ["90-100"]
# Under the columns, the bins' starts: "0-9 … 90-100" would have to be tilted on a phone.
_HIST_TICKS = [str(10 * i) for i in range(10)]
_TIME_DIMS = ("quarter", "year")
# Delay bins as the chart writes them under its columns (the table has the full labels).
_DELAY_SHORT = {"before the start": "<0", "0-5 min": "<5m", "5-15 min": "5-15m",
                "15-30 min": "15-30m", "30-60 min": "\u00bd-1h", "1-2 h": "1-2h",
                "2-4 h": "2-4h", "4-24 h": "4-24h", "24 h or more": "24h+"}
# Time columns in a heatmap: the latest this many (the rest are in the CSV), so the grid
# fits a desktop window.
MAX_HEAT_TIME = 20

_CSS = """
:root { --fg: #1a1a1a; --muted: #555; --line: #d0d0d0; --bg: #fff; --card: #f5f6f8; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
  max-width: 80rem; padding: .5rem 1.25rem 3rem; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.6rem; margin: .8rem 0 .3rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .3rem; border-bottom: 1px solid var(--line);
  padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 0 0 .3rem; }
p { margin: .4rem 0; max-width: 48rem; } .muted { color: var(--muted); }
nav ul { padding-left: 1.2rem; margin: .3rem 0; columns: 2 16rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr));
  gap: .6rem; margin: 1rem 0; padding: 0; list-style: none; }
.cards li { background: var(--card); border-radius: 6px; padding: .5rem .75rem; }
.cards b { display: block; font-size: 1.45rem; font-variant-numeric: tabular-nums; }
.cards span { color: var(--muted); font-size: .9rem; }
.grid { display: grid; gap: 1.5rem 2rem; margin-top: 1rem;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 28rem), 1fr)); }
figure { margin: 0; min-width: 0; }
figcaption { color: var(--muted); font-size: .92rem; margin: .3rem 0; max-width: 44rem; }
svg.chart { display: block; width: 100%; height: auto; max-width: 33rem; }
figure.wide { grid-column: 1 / -1; }
.panels { display: grid; gap: .5rem 1.25rem;
  grid-template-columns: repeat(auto-fill, minmax(min(100%, 16rem), 1fr)); }
svg.panel { max-width: 20rem; }
.legend span { margin-right: 1rem; white-space: nowrap; } svg.key { vertical-align: middle; }
svg.heat { width: auto; max-width: none; }
.scroll { overflow-x: auto; max-width: 100%; }
/* A right-to-left box starts scrolled to its right end; its content stays left to right. */
.from-end { direction: rtl; } .from-end > * { direction: ltr; margin: 0 auto 0 0; }
details { margin: .4rem 0; } summary { cursor: pointer; color: #0b57a4; }
table { border-collapse: collapse; font-size: .88rem; font-variant-numeric: tabular-nums;
  margin: .4rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .2rem .55rem; text-align: right;
  white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid var(--muted); }
caption { text-align: left; color: var(--muted); font-size: .85rem; padding-bottom: .2rem; }
svg text { fill: var(--fg); font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
svg .tick, svg .axis { fill: var(--muted); } svg .val { fill: var(--fg); }
svg .grid { stroke: #e3e3e3; stroke-width: 1; }
svg .whisker { stroke: #444; stroke-width: 1.5; } svg .median { fill: #111; }
svg .box { fill-opacity: .75; }
.c0 { fill: #0072B2; } .c1 { fill: #E69F00; } .c2 { fill: #009E73; } .c3 { fill: #D55E00; }
.c4 { fill: #CC79A7; } .c5 { fill: #56B4E9; } .c6 { fill: #8A7A00; } .c7 { fill: #666; }
svg .line { fill: none; stroke-width: 2.2; stroke-linejoin: round; }
.s0 { stroke: #0072B2; } .s1 { stroke: #E69F00; stroke-dasharray: 6 3; }
.s2 { stroke: #009E73; } .s3 { stroke: #D55E00; stroke-dasharray: 2 2; }
.s4 { stroke: #CC79A7; } .s5 { stroke: #56B4E9; stroke-dasharray: 6 3; }
.s6 { stroke: #8A7A00; stroke-dasharray: 2 2; } .s7 { stroke: #666; stroke-dasharray: 8 2 2 2; }
.h0 { fill: #eff3ff; } .h1 { fill: #bdd7e7; } .h2 { fill: #6baed6; } .h3 { fill: #3182bd; }
.h4 { fill: #08519c; }
svg .hv0, svg .hv1, svg .hv2 { fill: #111; } svg .hv3, svg .hv4 { fill: #fff; }
code { font-size: .92em; }
@media (max-width: 32rem) { body { padding: .25rem .7rem 2rem; } h1 { font-size: 1.35rem; } }
"""


def _n(value: int) -> str:
    return f"{value:,}"


def _pct(share: float | None, digits: int = 0) -> str:
    return "\u2013" if share is None else f"{100 * share:.{digits}f}%"


def _num(value: float | None, digits: int = 1) -> str:
    return "\u2013" if value is None else f"{value:,.{digits}f}"


def _label(group: GroupSummary) -> str:
    return " · ".join(group.key.values()) or "all"


def _minutes(value: float) -> str:
    if value >= 120:
        return f"{value / 60:.1f} h"
    return f"{value:.0f} min"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], caption: str) -> str:
    cells = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    body = "".join(
        "<tr>" + "".join((f'<th scope="row">{escape(c)}</th>' if i == 0 else
                          f"<td>{escape(c)}</td>") for i, c in enumerate(r)) + "</tr>"
        for r in rows)
    return (f'<details><summary>Table of this plot</summary><div class="scroll"><table>'
            f"<caption>{escape(caption)}</caption><thead><tr>{cells}</tr></thead>"
            f"<tbody>{body}</tbody></table></div></details>")


def _figure(heading: str, svg: str, caption: str, table: str, wide: bool = False,
            from_end: bool = False) -> str:
    """A plot with its heading, caption and table; ``wide`` spans both columns and
    scrolls sideways inside its box when the plot is wider than the screen, shown
    scrolled to its right end (the newest quarters) with ``from_end``."""
    box = "scroll from-end" if from_end else "scroll"
    chart = f'<div class="{box}">{svg}</div>' if wide else svg
    opening = '<figure class="wide">' if wide else "<figure>"
    return (f"{opening}<h3>{escape(heading)}</h3>{chart}"
            f"<figcaption>{escape(caption)}</figcaption>{table}</figure>")


def _largest(groups: Sequence[GroupSummary], dim: str,
             kind: str | None = None) -> list[GroupSummary]:
    """The groups to plot: the ``MAX_ROWS`` largest (by messages of ``kind``), in time
    order for a time dimension and else as given."""
    def size(g: GroupSummary) -> int:
        if kind is None:
            return g.messages
        k = g.kinds.get(kind)
        return k.messages if k else 0

    kept = [g for g in groups if size(g) > 0]
    if len(kept) > MAX_ROWS:
        kept = sorted(kept, key=lambda g: (-size(g), _label(g)))[:MAX_ROWS]
    if dim in _TIME_DIMS:
        return sorted(kept, key=_label)
    return kept


def _more(total: int, shown: int, what: str) -> str:
    if total <= shown:
        return ""
    return (f" The {shown} largest of {total} {what} are shown; every one is in "
            "aggregates.csv.")


class _Page:
    def __init__(self, document: AggregatesDocument) -> None:
        self.doc = document
        self.first = document.group_by[0]
        # In the order a thread runs: apology, update, resolution.
        self.kinds = [k for k in KINDS if k in document.total.kinds]
        self.quarters = document.by_dimension.get("quarter", [])
        self.ids = 0

    def ident(self, stem: str) -> str:
        self.ids += 1
        return f"{stem}-{self.ids}"

    # --- sections -----------------------------------------------------------------

    def overview(self) -> str:
        total = self.doc.total
        providers = len(self.doc.by_dimension.get("provider", [])) or None
        period = (f"{self.quarters[0].key['quarter']} to {self.quarters[-1].key['quarter']}"
                  if self.quarters else "")
        cards = [(_n(total.messages), "messages"), (_n(total.incidents), "incidents")]
        for kind in self.kinds:
            k = total.kinds[kind]
            cards.append((_num(k.mean_score), f"mean score, {kind} ({_n(k.messages)})"))
        cards.append((_pct(total.promise_kept_rate),
                      f"promises of the next update kept ({_n(total.promises)} made)"))
        if total.first_response:
            cards.append((_minutes(total.first_response.median_minutes),
                          f"median first response ({_n(total.first_response.incidents)} "
                          "incidents with a known start)"))
        items = "".join(f"<li><b>{escape(v)}</b><span>{escape(t)}</span></li>" for v, t in cards)
        facts = [f"{_n(total.messages)} messages in {_n(total.incidents)} incidents"]
        if providers:
            facts.append(f"from {providers} provider{'s' if providers != 1 else ''}")
        if period:
            facts.append(f"posted {period}")
        errors = self.doc.input_errors
        lede = " ".join(facts) + (f", grouped by {', '.join(self.doc.group_by)}.")
        groups = self.doc.by_dimension.get(self.first, [])
        largest = max(groups, key=lambda g: g.messages, default=None)
        if largest is not None and len(groups) > 2 and largest.messages > 0.3 * total.messages:
            # Totals are per message: one prolific group sets them. Say so up front.
            lede += (f" One {self.first}, {_label(largest)}, posted "
                     f"{_pct(largest.messages / total.messages)} of the messages, so the "
                     f"totals lean on it; the per-{self.first} plots compare like with like.")
        if errors:
            lede += (f" {_n(errors)} input problem{'s' if errors != 1 else ''} were reported "
                     "and left out (see the command's error output).")
        return (f'<p class="lede">{escape(lede)}</p><ul class="cards">{items}</ul>')

    def scores(self) -> str:
        total = self.doc.total
        figures = []
        for kind in self.kinds:
            k = total.kinds[kind]
            svg = column_chart(
                self.ident("hist"), list(zip(_HIST_TICKS, map(float, k.histogram), strict=True)),
                f"Score distribution of {kind} messages",
                f"Messages per score band of 10 points, {k.messages} {kind} messages; "
                f"median {k.median_score}.", "score, in bins of 10 (the last is 90-100)",
                "messages",
                colour=KIND_COLOUR.get(kind, 3))
            rows = [[label, _n(c), _pct(c / k.messages if k.messages else None, 1)]
                    for label, c in zip(_HIST_LABELS, k.histogram, strict=True)]
            figures.append(_figure(
                f"{kind.capitalize()} messages: scores",
                svg, f"{_n(k.messages)} messages; mean {_num(k.mean_score)}, median "
                     f"{_num(k.median_score)}, middle half {_num(k.p25_score, 0)}-"
                     f"{_num(k.p75_score, 0)}.",
                _table(["score", "messages", "share"], rows, f"Scores of {kind} messages")))
        return self._section("scores", "Score distribution per kind", (
            "Each message is linted as the kind its status gives (investigating, identified, "
            "monitoring: update; resolved, post-mortem: resolution) and scored 0-100."),
            figures)

    def scores_by_group(self) -> str:
        groups = self.doc.by_dimension[self.first]
        figures = []
        for kind in self.kinds:
            shown = _largest(groups, self.first, kind)
            if self.first not in _TIME_DIMS:
                shown.sort(key=lambda g: (-(g.kinds[kind].median_score or 0),
                                          -(g.kinds[kind].mean_score or 0), _label(g)))
            rows = [_spread(g, g.kinds[kind]) for g in shown]
            svg = range_chart(
                self.ident("spread"), rows, f"Scores of {kind} messages by {self.first}",
                f"For each {self.first}: the median score of its {kind} messages (dark mark), "
                "the middle half (box) and the 10th to 90th percentile (line).",
                "score (0-100)", colour=KIND_COLOUR.get(kind, 3))
            table = _table(
                [self.first, "messages", "mean", "p10", "p25", "median", "p75", "p90"],
                [[_label(g), _n(k.messages), _num(k.mean_score), _num(k.p10_score, 0),
                  _num(k.p25_score, 0), _num(k.median_score), _num(k.p75_score, 0),
                  _num(k.p90_score, 0)] for g in shown for k in [g.kinds[kind]]],
                f"Scores of {kind} messages by {self.first}")
            with_kind = sum(1 for g in groups if kind in g.kinds)
            figures.append(_figure(
                f"{kind.capitalize()} messages by {self.first}", svg,
                "Box: the middle half of the scores; line: 10th to 90th percentile; dark "
                "mark: median." + _more(with_kind, len(shown), f"{self.first} values"),
                table))
        if len(self.doc.group_by) >= 2:
            figures += self.heatmaps()
        return self._section("groups", f"Scores per kind and {', '.join(self.doc.group_by)}",
                             "", figures)

    def heatmaps(self) -> list[str]:
        first, second = self.doc.group_by[0], self.doc.group_by[1]
        figures = []
        for kind in self.kinds:
            cells: dict[tuple[str, str], float] = {}
            counts: dict[tuple[str, str], int] = {}
            for g in self.doc.groups:
                k = g.kinds.get(kind)
                if k is None or k.mean_score is None:
                    continue
                cell = (g.key[first], g.key[second])
                # Several groups fall in one cell when there are more than two dimensions.
                counts[cell] = counts.get(cell, 0) + k.messages
                cells[cell] = cells.get(cell, 0.0) + k.mean_score * k.messages
            values = {c: round(v / counts[c], 1) for c, v in cells.items()}
            rows = sorted({r for r, _ in values})
            cols = _axis_values(second, {c for _, c in values})
            if first not in _TIME_DIMS:
                weight = {r: sum(n for (rr, _), n in counts.items() if rr == r) for r in rows}
                rows = sorted(rows, key=lambda r: (-weight[r], r))
            all_rows, all_cols = len(rows), len(cols)
            # The table under it has every row and column: it is where the rest is read.
            table_rows, table_cols = rows, cols
            rows = rows[:MAX_HEAT]
            cols = cols[-(MAX_HEAT_TIME if second in _TIME_DIMS else MAX_HEAT):]
            shown = {c: v for c, v in values.items() if c[0] in rows and c[1] in cols}
            svg = heatmap(self.ident("heat"), rows, cols, shown,
                          f"Mean score of {kind} messages by {first} and {second}",
                          f"Rows: {first}; columns: {second}; each cell the mean score of the "
                          f"{kind} messages in it, darker is higher; empty: none.",
                          "mean score")
            table = _table([first, *table_cols],
                           [[r, *(_num(values.get((r, c))) for c in table_cols)]
                            for r in table_rows],
                           f"Mean score of {kind} messages by {first} and {second}")
            note = ""
            if all_rows > len(rows) or all_cols > len(cols):
                note = (f" Shown: {len(rows)} of {all_rows} {first} values and the last "
                        f"{len(cols)} of {all_cols} {second} values ({cols[0]} on); the "
                        "table below and aggregates.csv have the rest.")
            figures.append(_figure(
                f"{kind.capitalize()} messages: mean score by {first} and {second}", svg,
                "Darker cells score higher, from the lowest mean in the grid to the highest; "
                "a blank cell has no message of this kind. Scrolls sideways on a narrow "
                "screen, from the newest columns." + note, table, wide=True,
                from_end=True))
        return figures

    def parts_over_time(self) -> str:
        quarters = [q.key["quarter"] for q in self.quarters]
        panels = []
        for part in ELEMENT_NAMES:
            series = []
            for kind in self.kinds:
                values: list[float | None] = []
                for q in self.quarters:
                    k = q.kinds.get(kind)
                    values.append(round(100 * k.parts[part], 1)
                                  if k and k.messages >= MIN_POINT else None)
                series.append(Series(kind, values, KIND_COLOUR.get(kind, 3)))
            panels.append(Panel(PART_LABEL.get(part, part), series))
        kinds = " and ".join(self.kinds)
        legend = "".join(f'<span>{legend_key(KIND_COLOUR.get(k, 3))} {escape(k)}</span>'
                         for k in self.kinds)
        svg = (f'<p class="legend">Lines: {legend}</p><div class="panels">'
               + "".join(line_panel(self.ident("parts"), quarters, panel,
                                    f"For each quarter, the share of {kinds} messages that "
                                    f"have {panel.title}.")
                         for panel in panels) + "</div>")
        rows = []
        for q in self.quarters:
            for kind in self.kinds:
                k = q.kinds.get(kind)
                rows.append([q.key["quarter"], kind, _n(k.messages if k else 0),
                             *(_pct(k.parts[p] if k and k.messages else None)
                               for p in ELEMENT_NAMES)])
        table = _table(["quarter", "kind", "messages",
                        *(PART_LABEL.get(p, p) for p in ELEMENT_NAMES)],
                       rows, "Share of messages with each part, per quarter and kind")
        span = f"{quarters[0]} to {quarters[-1]}" if quarters else ""
        figure = _figure(
            f"Parts present over time, {span}", svg,
            f"Share of the quarter's messages of each kind that have the part. A quarter with "
            f"fewer than {MIN_POINT} messages of a kind is left out of its line (a gap); the "
            "table has every quarter.", table, wide=True)
        return self._section("parts", "Parts present per kind over time", (
            "Which parts of a good message each message has, as the linter's anatomy finds "
            "them."), [figure])

    def promises(self) -> str:
        groups = [g for g in self.doc.by_dimension[self.first] if g.promises]
        total = self.doc.total
        if self.first not in _TIME_DIMS:
            groups.sort(key=lambda g: (-(g.promise_kept_rate or 0), -g.promises, _label(g)))
        shown = groups[:MAX_ROWS]
        explain = ("A promise is an update that says when the next one comes (\"next update "
                   "in 30 minutes\", \"by 14:30 UTC\") and is followed by another message; it "
                   "is kept unless broken-update-promise finds the next message late (after "
                   "the grace). ")
        if not shown:
            return self._section("promises", "Promises of the next update kept", explain +
                                 "No message in the archive promises the next update by a "
                                 "time.", [])
        bars = [Bar(_label(g), 100 * (g.promise_kept_rate or 0),
                    f"{_pct(g.promise_kept_rate)} of {_n(g.promises)}", 0) for g in shown]
        svg = bar_chart(self.ident("promise"), bars,
                        f"Promise-kept rate by {self.first}",
                        f"For each {self.first} that made promises of the next update, the "
                        "share kept on time, with the number made.", "promises kept",
                        unit="%", top=100)
        none = len(self.doc.by_dimension[self.first]) - len(groups)
        table = _table([self.first, "promises", "broken", "kept"],
                       [[_label(g), _n(g.promises), _n(g.broken_promises),
                         _pct(g.promise_kept_rate, 1)] for g in groups],
                       f"Promises of the next update by {self.first}")
        caption = (f"All groups: {_pct(total.promise_kept_rate, 1)} of {_n(total.promises)} "
                   f"promises kept. {none} {self.first} value{'s' if none != 1 else ''} made "
                   "none." + _more(len(groups), len(shown), f"{self.first} values"))
        return self._section("promises", "Promises of the next update kept", explain,
                             [_figure(f"Promise-kept rate by {self.first}", svg, caption,
                                      table)])

    def first_response(self) -> str:
        total = self.doc.total.first_response
        explain = ("The time from the incident's start, when the source gives one apart from "
                   "the first post (GitHub's and Statuspage's started_at), to the first "
                   "message; scheduled maintenance is left out. ")
        if total is None:
            return self._section("delay", "First-response delay", explain +
                                 "No incident in the archive has a known start.", [])
        figures = []
        svg = column_chart(self.ident("delay"),
                           [(_DELAY_SHORT.get(b.label, b.label), float(b.incidents))
                            for b in total.bins],
                           "First-response delay", "Incidents per delay range, from the "
                           "incident's start to its first message.",
                           "delay from the start (m: minutes, h: hours)", "incidents",
                           colour=3)
        caption = (f"{_n(total.incidents)} incidents; median {_minutes(total.median_minutes)}, "
                   f"mean {_minutes(total.mean_minutes)}, 90th percentile "
                   f"{_minutes(total.p90_minutes)}.")
        if total.max_minutes < 1 and total.min_minutes >= 0:
            # GitHub's feed, for one, dates an incident's start at its first post.
            caption += (" Every known start is within a minute of the first post: the source "
                        "dates the start by the first post, so these incidents say nothing "
                        "about how fast the first response came.")
        figures.append(_figure(
            "First-response delay, all incidents with a known start", svg, caption,
            _table(["delay", "incidents"], [[b.label, _n(b.incidents)] for b in total.bins],
                   "Incidents per first-response delay")))
        groups = [g for g in self.doc.by_dimension[self.first] if g.first_response]
        if len(groups) > 1 or self.first in _TIME_DIMS:
            shown = _largest(groups, self.first)
            if self.first not in _TIME_DIMS:
                shown.sort(key=lambda g: (_median_delay(g), _label(g)))
            bars = [Bar(_label(g), _median_delay(g),
                        f"{_minutes(_median_delay(g))} (n={_n(_delay_n(g))})", 3)
                    for g in shown]
            svg = bar_chart(self.ident("delay-by"), bars,
                            f"Median first-response delay by {self.first}",
                            f"For each {self.first} with incidents of known start, the median "
                            "minutes from the start to the first message.",
                            "median delay (minutes)", unit="")
            table = _table([self.first, "incidents", "median min", "mean min", "p90 min"],
                           [[_label(g), _n(_delay_n(g)), _num(_median_delay(g)),
                             _num(d.mean_minutes), _num(d.p90_minutes)]
                            for g in shown for d in [g.first_response] if d],
                           f"First-response delay by {self.first}")
            figures.append(_figure(f"Median first-response delay by {self.first}", svg,
                                   "Shorter is better." + _more(len(groups), len(shown),
                                                                f"{self.first} values"),
                                   table))
        return self._section("delay", "First-response delay", explain, figures)

    def rules(self) -> str:
        total = self.doc.total
        figures = []
        for title, rates, colour in (("Message rules", total.message_rules, 5),
                                     ("Thread rules", total.thread_rules, 4)):
            if not rates:
                figures.append(f"<figure><h3>{escape(title)}</h3><p>No {escape(title.lower())}"
                               " fired.</p></figure>")
                continue
            figures.append(_figure(
                f"{title}: most frequent, per 100 messages",
                bar_chart(self.ident("rules"), _rule_bars(rates, colour),
                          f"{title} that fire most, per 100 messages",
                          f"The {len(rates)} {title.lower()} that fire on most messages, "
                          "as messages per 100 messages of the archive.",
                          "messages with the rule, per 100 messages"),
                "A rule counts once per message however many findings it makes there; "
                "apology-lint --explain RULE says what each one checks.",
                _table(["rule", "messages", "per 100"],
                       [[r.rule, _n(r.messages), f"{r.per_100:g}"] for r in rates],
                       f"{title} per 100 messages")))
        return self._section("rules", "Rules that fire most", (
            f"Over all {_n(total.messages)} messages; per group in aggregates.json."), figures)

    def about(self) -> str:
        return (
            '<section id="about"><h2>About this report</h2>'
            "<p>Scores, parts and findings are apology-lint's, for each message on its own "
            "(the same text and kind always score the same). Medians and percentiles are "
            "exact, from the count of messages at each score. Times are UTC.</p>"
            "<p>The same figures are in <code>aggregates.json</code> and "
            "<code>aggregates.csv</code> next to this file, and every message's result in "
            "<code>messages.jsonl</code>.</p>"
            f'<p class="muted">apology-lint {escape(__version__)} · grouped by '
            f"{escape(', '.join(self.doc.group_by))}</p></section>")

    def _section(self, ident: str, title: str, intro: str, figures: Sequence[str]) -> str:
        lead = f"<p>{escape(intro)}</p>" if intro else ""
        return (f'<section id="{ident}"><h2>{escape(title)}</h2>{lead}'
                f'<div class="grid">{"".join(figures)}</div></section>')

    def render(self, title: str) -> str:
        sections = [("scores", "Score distribution per kind"),
                    ("groups", f"Scores per kind and {', '.join(self.doc.group_by)}"),
                    ("parts", "Parts present over time"),
                    ("promises", "Promises of the next update kept"),
                    ("delay", "First-response delay"), ("rules", "Rules that fire most"),
                    ("about", "About this report")]
        toc = "".join(f'<li><a href="#{i}">{escape(t)}</a></li>' for i, t in sections)
        body = "".join([self.overview(), f'<nav aria-label="Contents"><ul>{toc}</ul></nav>',
                        self.scores(), self.scores_by_group(), self.parts_over_time(),
                        self.promises(), self.first_response(), self.rules(), self.about()])
        return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
                f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>\n")


def _axis_values(dim: str, present: set[str]) -> list[str]:
    """The columns of a heatmap: every quarter or year from the first to the last
    (a quarter without messages is an empty column, not a missing one), else the values
    in order."""
    ordered = sorted(present)
    if dim not in _TIME_DIMS or not ordered:
        return ordered
    if dim == "year":
        return [str(y) for y in range(int(ordered[0]), int(ordered[-1]) + 1)]
    year, quarter = int(ordered[0][:4]), int(ordered[0][-1])
    out = []
    while True:
        out.append(f"{year}Q{quarter}")
        if out[-1] >= ordered[-1]:
            return out
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def _spread(group: GroupSummary, k: KindSummary) -> Spread:
    return Spread(_label(group), k.p10_score or 0, k.p25_score or 0, k.median_score or 0,
                  k.p75_score or 0, k.p90_score or 0, f"n={_n(k.messages)}")


def _median_delay(group: GroupSummary) -> float:
    return group.first_response.median_minutes if group.first_response else 0.0


def _delay_n(group: GroupSummary) -> int:
    return group.first_response.incidents if group.first_response else 0


def _rule_bars(rates: Sequence[RuleRate], colour: int) -> list[Bar]:
    return [Bar(r.rule, r.per_100, f"{r.per_100:g}", colour) for r in rates]


def render_report(document: AggregatesDocument, title: str | None = None) -> str:
    """The whole page, from the summaries ``aggregates.json`` holds."""
    return _Page(document).render(title or "Incident message audit")
