"""``--format text``: compiler-style findings, the underlined line, the suggestion, and a
summary with score, band and the anatomy checklist. Colour only when asked for."""

from __future__ import annotations

from ..models import ELEMENT_NAMES, Finding, Report, RunReport

_COLOURS = {"error": "31", "warning": "33", "info": "36", "dim": "2", "bold": "1",
            "ok": "32", "missing": "31"}


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        if not self.enabled:
            return text
        return f"\x1b[{_COLOURS[style]}m{text}\x1b[0m"


def _finding(f: Finding, path: str, source: str, paint: _Paint) -> list[str]:
    s = f.span
    head = (f"{path}:{s.line}:{s.column}: {paint(f.severity, f.severity)} "
            f"{paint(f.rule, 'bold')} {f.message}")
    lines = [head]
    line_text = source.split("\n")[s.line - 1] if source else ""
    gutter = f"{s.line:>5} | "
    lines.append(paint(gutter, "dim") + line_text.rstrip("\r"))
    width = (s.end_column - s.column) if s.end_line == s.line else len(line_text) - s.column + 1
    lines.append(paint(" " * (len(gutter) - 2) + "| ", "dim") + " " * (s.column - 1)
                 + paint("^" * max(width, 1), f.severity))
    lines.append(paint(" " * (len(gutter) - 2) + "= ", "dim") + f"suggestion: {f.suggestion}")
    return lines


def _summary(r: Report, path: str, paint: _Paint) -> list[str]:
    present = set(r.elements.present())

    def mark(name: str) -> str:
        if name in present:
            return paint("✓", "ok")
        return paint("~", "warning") if name in r.elements.conditional else paint("✗", "missing")

    checks = "  ".join(f"{mark(name)} {name}" for name in ELEMENT_NAMES)
    if r.elements.conditional:
        checks += "   (~ only in some branches of the template)"
    counts = f"{r.count('error')} errors, {r.count('warning')} warnings, {r.count('info')} info"
    dims = "  ".join(f"{name} {value}" for name, value in r.dimensions.items())
    read_as = "" if r.syntax == "text" else f"{r.syntax}, "
    versions = f" · {r.variants} versions linted" if r.variants > 1 else ""
    hidden = f" · {r.suppressed} suppressed" if r.suppressed else ""
    return [
        f"{paint(path, 'bold')}: {read_as}{r.kind} ({r.kind_source}) · score {r.score}/100"
        f" · {r.band} · {counts}{hidden}{versions}",
        f"  anatomy: {checks}",
        f"  dimensions: {dims}",
    ]


def render(run: RunReport, sources: dict[str, str], colour: bool) -> str:
    paint = _Paint(colour)
    out: list[str] = []
    for report in run.files:
        path = report.path or "-"
        for f in report.findings:
            out += _finding(f, path, sources.get(path, ""), paint)
            out.append("")
        out += _summary(report, path, paint)
        out.append("")
    if len(run.files) > 1:
        s = run.summary
        out.append(f"{s.files} files · {s.errors} errors, {s.warnings} warnings, "
                   f"{s.infos} info · mean score {s.mean_score}")
    return "\n".join(out).rstrip("\n") + "\n"
