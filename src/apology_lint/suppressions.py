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
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import cast

from .errors import suggest
from .models import KINDS, Finding, Kind
from .positions import Ranges

# The comment forms of each syntax family: what opens a comment up to its body
# ("apology-lint: …"), and what closes it (the blanks before the closer are not body).
_TEMPLATE_FORMS: dict[str, list[tuple[str, str]]] = {
    "jinja": [(r"\{#-?\s*", r"-?#\}")],
    "liquid": [(r"\{%-?\s*comment\s*-?%\}\s*", r"\{%-?\s*endcomment\s*-?%\}"),
               (r"\{%-?\s*#\s*", r"-?%\}")],
    "handlebars": [(r"\{\{~?!(?:--)?\s*", r"(?:--)?~?\}\}")],
    "mustache": [(r"\{\{!\s*", r"\}\}")],
}
_HTML_FORM = (r"<!--\s*", r"-->")
# A line of its own, in plain text and Markdown; group 1 is the body. The comment runs to
# the end of its line (trailing blanks go when the body is read). Blanks only after a
# comment marker, and no lazy body before optional blanks: either made a line of spaces
# quadratic to read.
_LINE_FORM = re.compile(r"^[ \t]*(?:(?:#|//)[ \t]*)?(apology-lint:[^\n]*)", re.MULTILINE)
_PREFIX = "apology-lint:"

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


def _forms(syntax: str, markup: str) -> list[tuple[str, str]]:
    forms = list(_TEMPLATE_FORMS.get(syntax, []))
    if markup in ("html", "markdown") or syntax == "eml":
        forms.append(_HTML_FORM)
    return forms


def _comments(source: str, opener: str, closer: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, body)`` of each comment ``opener`` + body + ``closer``: what
    ``opener(apology-lint:.*?)\\s*closer`` (dot matching newlines) finds, read in one pass.
    That pattern read to the end of the file from every opener with no closer after it."""
    opens = re.compile(opener + "(?=" + _PREFIX + ")")
    closes = re.compile(closer)
    pos = 0
    while (m := opens.search(source, pos)) is not None:
        body = m.end()
        close = closes.search(source, body + len(_PREFIX))
        if close is None:
            return  # no closer after this opener, so none after any later one
        end = close.start()
        while end > body + len(_PREFIX) and source[end - 1].isspace():
            end -= 1
        yield m.start(), close.end(), source[body:end]
        pos = close.end()


def _line_bounds(source: str, breaks: list[int], offset: int, skip: int) -> tuple[int, int]:
    """The ``[start, end)`` of the line ``skip`` lines after the one holding ``offset``;
    ``breaks``: where the newlines of ``source`` are (many directives on one long line
    each searched back to its start)."""
    i = bisect_left(breaks, offset) + skip  # the newline that ends the line wanted
    if i > len(breaks):
        return len(source), len(source)
    start = breaks[i - 1] + 1 if i else 0
    return start, breaks[i] + 1 if i < len(breaks) else len(source)


def scan(source: str, syntax: str, markup: str, known_rules: set[str]) -> Directives:
    found: list[tuple[int, int, str]] = []
    for opener, closer in _forms(syntax, markup):
        found += [(start, end, " ".join(body.split()))
                  for start, end, body in _comments(source, opener, closer)]
    if markup in ("text", "markdown"):
        found += [(m.start(), m.end(), " ".join(m.group(1).split()))
                  for m in _LINE_FORM.finditer(source)]
    found.sort()
    result = Directives()
    open_ranges: dict[str, tuple[int, int, int, str]] = {}
    breaks: list[int] | None = None  # newline offsets, found when a directive needs them
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
                breaks = breaks if breaks is not None else [
                    m.start() for m in re.finditer("\n", source)]
                r_start, r_end = _line_bounds(source, breaks, end - 1,
                                              1 if command == "disable-next-line" else 0)
                if command == "disable-line":
                    r_start = min(r_start, start)
            result.suppressions.append(Suppression(rules, r_start, r_end, (start, end), body))
    for rule, (c_start, c_end, r_start, text) in open_ranges.items():
        result.suppressions.append(Suppression(frozenset({rule}), r_start, len(source),
                                               (c_start, c_end), text))
    return result


class SuppressionIndex:
    """A file's suppressions, indexed by the rule they name (``*``: all): whether one
    hides a finding is a bisection, where asking each suppression about each finding was
    quadratic (thousands of suppression comments took seconds).

    ``hide`` notes the findings it hid; ``mark_used`` then adds each such finding's rule to
    the ``used`` of every suppression that covers it (``Suppression.covers``), as asking
    each suppression did."""

    def __init__(self, suppressions: list[Suppression]) -> None:
        self.suppressions = suppressions
        ranges: dict[str, list[tuple[int, int]]] = {}
        for sup in suppressions:
            for rule in sup.rules:
                ranges.setdefault(rule, []).append((sup.start, sup.end))
        self._named = {rule: Ranges(found) for rule, found in ranges.items()}
        self._hidden: dict[str, list[int]] = {}  # rule → offsets of the findings hidden

    def names(self, rule: str, offset: int) -> bool:
        """Does a suppression naming ``rule`` itself (``*`` for a bare one) cover ``offset``?"""
        ranges = self._named.get(rule)
        return ranges is not None and offset in ranges

    def hide(self, rule: str, offset: int) -> bool:
        """Is the finding of ``rule`` at ``offset`` suppressed?"""
        if self.names(rule, offset) or self.names(ALL, offset):
            self._hidden.setdefault(rule, []).append(offset)
            return True
        return False

    def apply(self, findings: list[Finding]) -> tuple[list[Finding], list[Finding]]:
        """The suppression pass over one version's findings: those shown, those hidden."""
        shown: list[Finding] = []
        hidden: list[Finding] = []
        for f in findings:
            (hidden if self.hide(f.rule, f.span.start) else shown).append(f)
        return shown, hidden

    def mark_used(self) -> None:
        hidden = {rule: sorted(offsets) for rule, offsets in self._hidden.items()}
        for sup in self.suppressions:
            for rule in hidden if ALL in sup.rules else sup.rules & hidden.keys():
                offsets = hidden[rule]
                i = bisect_left(offsets, sup.start)
                if i < len(offsets) and offsets[i] < sup.end:
                    sup.used.add(rule)
