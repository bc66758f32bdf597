"""Code actions: apply a finding's rewrite, or disable its rule for a line or the file.

A suppression comment is written in the file's own comment form (``{# … #}`` in Jinja,
``{% comment %}…{% endcomment %}`` in Liquid, ``{{!-- … --}}`` in Handlebars, ``{{! … }}``
in Mustache, ``<!-- … -->`` in HTML, Markdown and HTML email, the line form in plain
text), so it never reaches the client; ``suppressions.scan`` reads exactly these. Every
edit goes through ``fixes.SourceGuard``: nothing is written inside a template tag, a
placeholder, markup, front matter or an encoded email body.
"""

from __future__ import annotations

import re
from typing import Literal

from lsprotocol import types

from .. import fixes
from ..models import Finding
from ..readers import Syntax
from ..suppressions import scan
from .diagnostics import diagnostic, finding_range
from .positions import PositionIndex
from .session import Outcome

Where = Literal["line", "file"]

_IDS = re.compile(r"(?P<command>disable-(?:next-line|line|file))\s*=\s*"
                  r"(?P<ids>[A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)", re.IGNORECASE)
_HEADERS_END = re.compile(r"\r?\n\r?\n")


def comment(syntax: Syntax, markup: str, body: str) -> str:
    """``body`` (``apology-lint: …``) in the comment form ``syntax`` reads."""
    if syntax == "jinja":
        return f"{{# {body} #}}"
    if syntax == "liquid":
        return f"{{% comment %}}{body}{{% endcomment %}}"
    if syntax == "handlebars":
        return f"{{{{!-- {body} --}}}}"
    if syntax == "mustache":
        return f"{{{{! {body} }}}}"
    if markup in ("html", "markdown"):
        return f"<!-- {body} -->"
    return body  # plain text (and a text/plain email): a line of its own


def _newline(source: str) -> str:
    return "\r\n" if "\r\n" in source else "\r" if "\r" in source and "\n" not in source \
        else "\n"


class Suppressor:
    """Computes the edit that disables a rule on a finding's line or in the file."""

    def __init__(self, source: str, guard: fixes.SourceGuard, index: PositionIndex,
                 known_rules: frozenset[str]) -> None:
        self.source = source
        self.guard = guard
        self.index = index
        self.syntax = guard.syntax
        self.markup = guard.markup
        self.known = set(known_rules)
        self._directives = scan(source, self.syntax, self.markup, self.known)

    def edit(self, finding: Finding, where: Where) -> fixes.TextEdit | None:
        if self.guard.encoded_email:
            return None  # a line written into base64 or quoted-printable is garbage
        if where == "file":
            return self._merge("disable-file", None, finding.rule) or self._file(finding.rule)
        if finding.scope == "message":
            return None  # it is about no line
        line = self.index.line_of(finding.span.start)
        return self._merge("disable-next-line", line - 1, finding.rule) or \
            self._line(line, finding.rule)

    def _merge(self, command: str, on_line: int | None, rule: str) -> fixes.TextEdit | None:
        """Add ``rule`` to an existing ``command`` comment (on ``on_line``, if given)
        rather than write a second one: two ``disable-next-line`` comments on top of
        each other do not both apply to the line below."""
        for sup in self._directives.suppressions:
            start, end = sup.comment
            if not sup.text.lower().startswith(f"apology-lint: {command}"):
                continue
            if on_line is not None and self.index.line_of(end - 1) != on_line:
                continue
            m = _IDS.search(self.source, start, end)
            if m is None or m.group("command").lower() != command:
                continue
            at = m.end("ids")
            if not self.guard.can_insert(at) and not self._inside_own_comment(at, sup.comment):
                continue
            return fixes.TextEdit(rule=rule, start=at, end=at, replacement=f",{rule}",
                                  safe=True)
        return None

    @staticmethod
    def _inside_own_comment(at: int, span: tuple[int, int]) -> bool:
        # The ids are inside the comment: a protected range, but ours to extend.
        return span[0] < at < span[1]

    def _line(self, line: int, rule: str) -> fixes.TextEdit | None:
        body = f"apology-lint: disable-next-line={rule}"
        start = self.index.starts[line]
        if self.markup == "markdown" and self.syntax == "markdown":
            # A comment line would split a Markdown paragraph in two: put it at the end
            # of the line instead, where it hides that line's findings.
            end = self.index.line_end(line)
            if not self.guard.can_insert(end):
                return None
            text = " " + comment(self.syntax, self.markup,
                                 f"apology-lint: disable-line={rule}")
            return fixes.TextEdit(rule=rule, start=end, end=end, replacement=text, safe=True)
        if not self._insertable_line(start):
            return None
        indent = re.match(r"[ \t]*", self.source[start:]).group(0)  # type: ignore[union-attr]
        text = indent + comment(self.syntax, self.markup, body) + _newline(self.source)
        return fixes.TextEdit(rule=rule, start=start, end=start, replacement=text, safe=True)

    def _file(self, rule: str) -> fixes.TextEdit | None:
        body = f"apology-lint: disable-file={rule}"
        if self.syntax == "eml":
            at = self._email_body_line()
            if at is None:
                return None
        else:
            at = self.guard.after_front_matter()
            if not self.guard.can_insert(at):
                return None
        text = comment(self.syntax, self.markup, body) + _newline(self.source)
        return fixes.TextEdit(rule=rule, start=at, end=at, replacement=text, safe=True)

    def _insertable_line(self, start: int) -> bool:
        if not self.guard.can_insert(start):
            return False
        if self.syntax != "eml":
            return True
        # In an email, only before a line of body text the reader took as written: never
        # among the headers, a MIME boundary or a part's headers.
        headers = _HEADERS_END.search(self.source)
        if headers is None or start < headers.end():
            return False
        first = start + len(self.source[start:]) - len(self.source[start:].lstrip(" \t"))
        return first < len(self.source) and self.guard.is_prose(first)

    def _email_body_line(self) -> int | None:
        headers = _HEADERS_END.search(self.source)
        if headers is None:
            return None
        for line in range(self.index.line_of(headers.end()), self.index.lines):
            start = self.index.starts[line]
            if start >= headers.end() and self._insertable_line(start) and \
                    self.source[start:self.index.line_end(line)].strip():
                return start
        return None


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return p.line, p.character

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _lsp_edit(edit: fixes.TextEdit, index: PositionIndex) -> types.TextEdit:
    return types.TextEdit(range=index.range(edit.start, edit.end), new_text=edit.replacement)


def workspace_edit(uri: str, version: int | None, edits: list[types.TextEdit],
                   versioned: bool) -> types.WorkspaceEdit:
    """Edits for one document; with ``versioned`` (the client supports it) they carry
    the document's version, so a client whose text has moved on refuses them."""
    if versioned and version is not None:
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri,
                                                                        version=version),
            edits=list(edits))])
    return types.WorkspaceEdit(changes={uri: list(edits)})


def code_actions(outcome: Outcome, index: PositionIndex, wanted: types.Range,
                 versioned: bool = False,
                 only: list[types.CodeActionKind | str] | None = None) -> list[types.CodeAction]:
    """The quick fixes for the findings the requested range touches."""
    report = outcome.report
    # Every action here is a quick fix: asked only for other kinds (refactor, source…),
    # there is nothing to offer.
    if report is None or (only and not any(
            str(getattr(k, "value", k)) in ("", "quickfix") for k in only)):
        return []
    chosen = [f for f in report.findings if _overlaps(finding_range(f, index), wanted)]
    if not chosen:
        return []
    source = outcome.text
    guard = fixes.SourceGuard(source, outcome.target.syntax, outcome.target.name)
    suppressor = Suppressor(source, guard, index, outcome.known_rules)
    safe = fixes.safe_fix_rules(outcome.rules.values())
    actions: list[types.CodeAction] = []
    disable: list[types.CodeAction] = []
    seen: set[tuple[str, int]] = set()  # (rule, line; -1 for the file) offered already
    for finding in chosen:
        diag = diagnostic(finding, outcome, index)

        def action(title: str, edit: fixes.TextEdit, preferred: bool = False,
                   diag: types.Diagnostic = diag) -> types.CodeAction:
            return types.CodeAction(
                title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
                is_preferred=preferred or None,
                edit=workspace_edit(outcome.uri, outcome.version, [_lsp_edit(edit, index)],
                                    versioned))

        rewrite = fixes.edit_for_finding(source, finding, guard, safe)
        if rewrite is not None:
            shown = rewrite.replacement or "(delete)"
            title = f"Apply suggestion: \u201c{shown}\u201d"
            if not rewrite.safe:
                title += " (check the facts)"
            actions.append(action(title, rewrite, preferred=rewrite.safe))
        wheres: tuple[Where, ...] = ("line", "file")
        for where in wheres:
            key = (finding.rule, -1 if where == "file" else index.line_of(finding.span.start))
            if key in seen:
                continue
            edit = suppressor.edit(finding, where)
            if edit is not None:
                seen.add(key)
                disable.append(action(f"Disable {finding.rule} for this {where}", edit))
    return actions + disable
