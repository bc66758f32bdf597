"""Comments addressed to the linter, in each syntax's own comment form.

    {# apology-lint: disable-next-line=vague-timeline reason="set at send time" #}
    {{!-- apology-lint: disable=jargon --}}   …   {{!-- apology-lint: enable=jargon --}}
    <!-- apology-lint: disable-file=no-follow-up -->
    apology-lint: kind=update                 (a line of its own, in plain text)

Commands: ``disable`` / ``enable`` (a range; without ids, every rule),
``disable-next-line``, ``disable-line``, ``disable-file``, and ``kind=KIND``. An optional
``reason="…"`` documents why. A suppression that hides nothing, names an unknown rule or
cannot be read is reported (``unused-suppression``), as ruff's RUF100 does, so
suppressions stay honest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import cast

from .errors import suggest
from .models import KINDS, Kind

# The comment forms of each syntax family; group 1 is the comment's body.
_TEMPLATE_FORMS = {
    "jinja": [r"\{#-?\s*(apology-lint:.*?)\s*-?#\}"],
    "liquid": [r"\{%-?\s*comment\s*-?%\}\s*(apology-lint:.*?)\s*\{%-?\s*endcomment\s*-?%\}",
               r"\{%-?\s*#\s*(apology-lint:.*?)\s*-?%\}"],
    "handlebars": [r"\{\{~?!(?:--)?\s*(apology-lint:.*?)\s*(?:--)?~?\}\}"],
    "mustache": [r"\{\{!\s*(apology-lint:.*?)\s*\}\}"],
}
_HTML_FORM = r"<!--\s*(apology-lint:.*?)\s*-->"
_LINE_FORM = r"^[ \t]*(?:#|//)?[ \t]*(apology-lint:[^\n]*?)[ \t]*\r?$"

_BODY = re.compile(r"apology-lint:\s*(?P<command>[a-z-]+)\s*(?:=\s*(?P<value>[^\"]*?))?"
                   r"\s*(?:\breason\s*=\s*\"(?P<reason>[^\"]*)\")?\s*", re.IGNORECASE)
COMMANDS = ("disable", "enable", "disable-next-line", "disable-line", "disable-file", "kind")
ALL = "*"


@dataclass
class Suppression:
    """Findings of ``rules`` (or all, ``*``) starting in ``[start, end)`` are hidden."""

    rules: frozenset[str]
    start: int
    end: int
    comment: tuple[int, int]  # where the directive is, for the unused report
    text: str
    used: set[str] = field(default_factory=set)

    def covers(self, rule: str, offset: int) -> bool:
        return (ALL in self.rules or rule in self.rules) and self.start <= offset < self.end

    def unused(self) -> list[str]:
        """The rules this suppression named but hid no finding of (``*``: hid nothing)."""
        if ALL in self.rules:
            return [] if self.used else [ALL]
        return sorted(self.rules - self.used)


@dataclass
class Directives:
    suppressions: list[Suppression] = field(default_factory=list)
    kind: Kind | None = None
    # Directives that cannot do anything: (message, start, end) in source offsets.
    invalid: list[tuple[str, int, int]] = field(default_factory=list)


def _forms(syntax: str, markup: str) -> list[str]:
    forms = list(_TEMPLATE_FORMS.get(syntax, []))
    if markup in ("html", "markdown") or syntax == "eml":
        forms.append(_HTML_FORM)
    if markup in ("text", "markdown"):
        forms.append(_LINE_FORM)
    return forms


def _line_bounds(source: str, offset: int, skip: int) -> tuple[int, int]:
    """The ``[start, end)`` of the line ``skip`` lines after the one holding ``offset``."""
    start = source.rfind("\n", 0, offset) + 1
    for _ in range(skip):
        nxt = source.find("\n", start)
        if nxt == -1:
            return len(source), len(source)
        start = nxt + 1
    end = source.find("\n", start)
    return start, len(source) if end == -1 else end + 1


def scan(source: str, syntax: str, markup: str, known_rules: set[str]) -> Directives:
    found: list[tuple[int, int, str]] = []
    for form in _forms(syntax, markup):
        for m in re.finditer(form, source, re.DOTALL | re.MULTILINE):
            found.append((m.start(), m.end(), " ".join(m.group(1).split())))
    found.sort()
    result = Directives()
    open_ranges: dict[str, tuple[int, int, int, str]] = {}
    for start, end, body in found:
        parsed = _BODY.fullmatch(body)
        command = parsed.group("command").lower() if parsed else ""
        if parsed is None or command not in COMMANDS:
            result.invalid.append((
                f"cannot read '{body}': use apology-lint: disable=RULE, enable=RULE, "
                "disable-next-line=RULE, disable-line=RULE, disable-file=RULE or kind=KIND",
                start, end))
            continue
        value = (parsed.group("value") or "").strip()
        if command == "kind":
            if value in KINDS:
                result.kind = cast(Kind, value)
            else:
                result.invalid.append(
                    (f"kind must be one of {', '.join(KINDS)}, not '{value}'", start, end))
            continue
        ids = [i for i in re.split(r"[,\s]+", value) if i]
        unknown = [i for i in ids if i not in known_rules]
        for rule in unknown:
            result.invalid.append(
                (f"unknown rule id '{rule}'{suggest(rule, known_rules)}", start, end))
        rules = frozenset(i for i in ids if i in known_rules) or (
            frozenset({ALL}) if not ids else frozenset())
        if not rules:
            continue
        if command == "disable":
            for rule in rules:
                open_ranges[rule] = (start, end, end, body)
        elif command == "enable":
            for rule in list(open_ranges) if ALL in rules else rules:
                if rule in open_ranges:
                    c_start, c_end, r_start, text = open_ranges.pop(rule)
                    result.suppressions.append(Suppression(
                        frozenset({rule}), r_start, start, (c_start, c_end), text))
        else:
            if command == "disable-file":
                r_start, r_end = 0, len(source)
            else:
                r_start, r_end = _line_bounds(source, end - 1,
                                              1 if command == "disable-next-line" else 0)
                if command == "disable-line":
                    r_start = min(r_start, start)
            result.suppressions.append(Suppression(rules, r_start, r_end, (start, end), body))
    for rule, (c_start, c_end, r_start, text) in open_ranges.items():
        result.suppressions.append(Suppression(frozenset({rule}), r_start, len(source),
                                               (c_start, c_end), text))
    return result
