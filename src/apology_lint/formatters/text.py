"""``--format text`` and ``--format concise``.

text: compiler-style findings, each with the line it is on, the ``^^^`` under the words
and the suggestion; then a summary per file: score and band, the anatomy checklist, what
is missing from the message (findings about the whole message belong here, not on a
line that is not at fault), what would raise the score, and the gate that failed.

concise: one line per finding and one per file, as ruff's concise format.
Colour only when asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..models import (
    ELEMENT_NAMES,
    SEVERITY_RANK,
    Finding,
    Report,
    ScoreGateFailure,
    Summary,
)
from ..positions import split_lines
from .snippet import printable, snippet

if TYPE_CHECKING:
    from ..runner import FileResult

_COLOURS = {"error": "31", "warning": "33", "info": "36", "dim": "2", "bold": "1",
            "ok": "32", "missing": "31"}
GAINS_SHOWN = 4  # the few changes worth most; --format json has them all


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        if not self.enabled:
            return text
        return f"\x1b[{_COLOURS[style]}m{text}\x1b[0m"


def plural(n: int, word: str) -> str:
    """"1 file", "2 files", "1 error", "0 info"."""
    if word == "info":
        return f"{n} info"
    return f"{n} {word}" + ("" if n == 1 else "s")


def _head(f: Finding, path: str, paint: _Paint) -> str:
    """``path:line:col: severity rule message``; a finding about the whole message has
    no line to point at: ``path: severity rule message``."""
    where = f"{path}:{f.span.line}:{f.span.column}" if f.scope == "span" else path
    return (f"{where}: {paint(f.severity, f.severity)} {paint(f.rule, 'bold')} "
            f"{printable(f.message)}")


def _finding(f: Finding, path: str, lines: list[str], paint: _Paint) -> list[str]:
    s = f.span
    line_text = lines[s.line - 1] if s.line <= len(lines) else ""
    end = s.end_column - 1 if s.end_line == s.line else len(line_text)
    shown = snippet(line_text, s.column - 1, end)
    gutter = f"{s.line:>5} | "
    pad = " " * (len(gutter) - 2)
    return [
        _head(f, path, paint),
        paint(gutter, "dim") + shown.line,
        paint(pad + "| ", "dim") + " " * shown.indent + paint("^" * shown.carets, f.severity),
        paint(pad + "= ", "dim") + f"suggestion: {printable(f.suggestion)}",
    ]


def _summary(r: Report, path: str, paint: _Paint,
             gate: ScoreGateFailure | None) -> list[str]:
    present = set(r.elements.present())

    def mark(name: str) -> str:
        if name in present:
            return paint("✓", "ok")
        return paint("~", "warning") if name in r.elements.conditional else paint("✗", "missing")

    checks = "  ".join(f"{mark(name)} {name}" for name in ELEMENT_NAMES)
    if r.elements.conditional:
        checks += "   (~ only in some branches of the template)"
    counts = ", ".join(plural(r.count(s), s) for s in ("error", "warning", "info"))
    read_as = "" if r.syntax == "text" else f"{r.syntax}, "
    versions = f" · {r.variants} versions linted" if r.variants > 1 else ""
    hidden = f" · {r.suppressed} suppressed" if r.suppressed else ""
    out = [
        f"{paint(path, 'bold')}: {read_as}{r.kind} ({r.kind_source}) · score {r.score}/100"
        f" · {r.band} · {counts}{hidden}{versions}",
        f"  anatomy: {checks}",
    ]
    missing = sorted((f for f in r.findings if f.scope == "message"),
                     key=lambda f: -SEVERITY_RANK[f.severity])
    if missing:
        out.append("  missing from the message:")
        for f in missing:
            out.append(f"    {paint(f.severity, f.severity)} {paint(f.rule, 'bold')} "
                       f"{printable(f.message)}")
            out.append(f"      {paint('suggestion:', 'dim')} {printable(f.suggestion)}")
    if r.score_gains and r.band != "send-ready":
        gains = [f"+{g.points} {g.add}: {g.hint}" if g.add else
                 f"+{g.points} fix {g.fix} ({g.hint})" for g in r.score_gains[:GAINS_SHOWN]]
        out.append("  to raise the score: " + "; ".join(gains))
    if gate is not None:
        out.append(f"  {paint('✗', 'missing')} score {gate.score} is below the minimum "
                   f"score {gate.min_score} (min-score): this file fails the check")
    out.append("  dimensions: " + "  ".join(f"{n} {v}" for n, v in r.dimensions.items()))
    return out


def _total(s: Summary) -> str:
    counts = ", ".join(plural(n, w) for n, w in
                       ((s.errors, "error"), (s.warnings, "warning"), (s.infos, "info")))
    below = (f" · {plural(len(s.below_min_score), 'file')} below the minimum score"
             if s.below_min_score else "")
    return f"{plural(s.files, 'file')} · {counts} · mean score {s.mean_score}{below}"


def chunks(files: Iterable[FileResult], colour: bool, quiet: bool = False) -> Iterator[str]:
    """Each file's findings and summary as it finishes, then the run's total. ``quiet``:
    the findings only, no summaries."""
    from . import Totals

    paint = _Paint(colour)
    totals = Totals()
    blank = 0  # blank lines held back: the report never ends with one

    def written(lines: list[str]) -> Iterator[str]:
        nonlocal blank
        for line in lines:
            if not line:
                blank += 1
                continue
            yield "\n" * blank + line + "\n"
            blank = 0

    for file in totals.counted(files):
        report, path = file.report, file.path or "-"
        lines = split_lines(file.source) if file.source else []  # once per file
        out: list[str] = []
        for f in report.findings:
            if f.scope == "span":
                out += _finding(f, path, lines, paint)
                out.append("")
        if not quiet:
            out += _summary(report, path, paint, file.below_min_score())
            out.append("")
        yield "".join(written(out))
    if totals.files > 1 and not quiet:
        yield from written([_total(totals.summary())])


def concise_chunks(files: Iterable[FileResult], colour: bool,
                   quiet: bool = False) -> Iterator[str]:
    from . import Totals

    paint = _Paint(colour)
    totals = Totals()
    for file in totals.counted(files):
        report, path = file.report, file.path or "-"
        out = [_head(f, path, paint) for f in report.findings]
        if not quiet:
            gate = file.below_min_score()
            failed = (f" · below the minimum score {gate.min_score}" if gate else "")
            out.append(f"{path}: {report.kind} · score {report.score}/100 · {report.band}"
                       f"{failed}")
        yield "".join(line + "\n" for line in out)
    if totals.files > 1 and not quiet:
        yield _total(totals.summary()) + "\n"
