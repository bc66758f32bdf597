"""Rewrites applied to the file: what ``--fix`` and ``--diff`` apply, and what the language
server's "Apply suggestion" offers.

A few rules compute a concrete rewrite of the writer's own sentence and quote it in the
finding's suggestion ("Say who did it: "We made mistakes during the migration.""). This
module turns such a quote back into an edit of the file: the smallest range of the source
to replace, and the text to put there. An edit is only ever made where it is certain to
be right, because a wrong automatic edit to a client email is worse than none:

* only prose the linter read character for character is edited: never a template tag, a
  placeholder, HTML markup or an entity, front matter, or an encoded email body (the
  offset maps of the readers say which characters those are);
* a replacement never holds a character that could open markup in the file's syntax
  (``{``, ``<``, ``&``…) or a line break;
* the rewrite must line up with the source around the flagged words (same words before
  and after), and may bring in no word the sentence did not already have (but "you", for
  "to anyone who…" → "to you"), so a sentence split differently than the parser split it
  never loses or duplicates words;
* in a template, every tag is the same, byte for byte, after the edits as before.

Edits that overlap are not combined: the first (in file order) wins, and a second run of
``--fix`` picks up the rest.

Which rewrites are *safe* (applied by ``--fix`` without anyone looking) is the rule's
decision: ``fix: safe`` in its rule file (``fix: unsafe``: offered only in the editor,
with the reason beside it).
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .models import Finding, Report
from .readers import INVISIBLE, TEMPLATES, Document, Syntax, read_document
from .readers.template import FAMILY, find_tags
from .rulespec import RuleSpec


def safe_fix_rules(rules: Iterable[RuleSpec]) -> frozenset[str]:
    """The rules whose rewrite ``--fix`` applies: those whose rule file says ``fix: safe``
    (the others' rewrites are offered in the editor, where the writer sees them first)."""
    return frozenset(rule.id for rule in rules if rule.fix == "safe")

Scope = Literal["clause", "sentence", "to-sentence-end"]


@dataclass(frozen=True)
class _Rewrite:
    """How to read a rule's computed suggestion, and what part of the source it rewrites.

    ``clause``: the flagged words are replaced, and the rewrite may run on with words
    that follow them in the source (the clause's tail, kept as it is). ``sentence``: the
    rewrite is the whole sentence the finding is in. ``to-sentence-end``: the flagged
    words run to the end of their sentence and the rewrite replaces them."""

    pattern: re.Pattern[str]
    scope: Scope

    def quote(self, suggestion: str) -> str | None:
        m = self.pattern.fullmatch(suggestion)
        if m is None:
            return None
        return " ".join(part for part in m.groups() if part)


# Coupled to the wording of the detectors in detectors/named.py (tests/test_fixes.py
# fails when one drifts). A structured rewrite on ``Finding`` would remove the coupling.
REWRITES: dict[str, _Rewrite] = {
    "agentless-fault": _Rewrite(re.compile(r'Say who did it: "(.+)"'), "clause"),
    "apology-for-event-not-act": _Rewrite(
        re.compile(r'Apologize for what you did: "(.+)"'), "to-sentence-end"),
    "apology-but": _Rewrite(re.compile(
        r'Split it and let the apology stand: "(.+?)" Then, on its own and without "but": '
        r'"(.+?)" If that part shifts blame, leave it out\.'), "sentence"),
    "conditional-apology": _Rewrite(
        re.compile(r'Drop the condition: "(.+?)" Then say what happened\.'), "sentence"),
}

# Words a rewrite may bring into the sentence: "Sorry to anyone who…" → "Sorry to you."
_NEW_WORDS_ALLOWED = frozenset({"you"})
_SENTENCE_END = frozenset(".!?")
_CLOSERS = frozenset("\"')]\u2019\u201d")
# What may not appear in a replacement, per syntax family: anything that could open a
# tag, a comment, an entity or inline markup, and line breaks (a rewrite is one line).
_UNSAFE_ALWAYS = frozenset("\n\r\x00")
_UNSAFE_TEMPLATE = frozenset("{}")
_UNSAFE_HTML = frozenset("<>&")
_UNSAFE_MARKDOWN = frozenset("<>`*_[]\\|#")
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
_ENCODED_EMAIL = re.compile(r"^content-transfer-encoding:\s*(?:quoted-printable|base64)",
                            re.IGNORECASE | re.MULTILINE)
# Short lines end sentences for the parser (nlp._line_breaks): a greeting, a sign-off.
_SHORT_LINE = 45


class TextEdit(BaseModel):
    """Replace ``source[start:end]`` with ``replacement`` (offsets in characters)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    replacement: str
    safe: bool


class SkippedFix(BaseModel):
    """A finding with a rewrite that was not applied, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    start: int = Field(ge=0)
    reason: str


class FixResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    text: str  # the source with ``applied`` made
    applied: list[TextEdit]
    skipped: list[SkippedFix] = []

    @property
    def changed(self) -> bool:
        return self.text != self.source


# --- what may be edited -------------------------------------------------------------


class SourceGuard:
    """What of a file an edit may touch, worked out once per file from its readers.

    ``prose``: the source ranges a reader passed to the parser character for character
    (in any version of a template), and runs of blanks it only collapsed. ``protected``:
    template tags (comments and raw blocks included), HTML tags, comments and entities,
    and front matter; nothing is ever inserted strictly inside one."""

    def __init__(self, source: str, syntax: Syntax, path: str | None = None,
                 document: Document | None = None) -> None:
        self.source = source
        self.syntax = syntax
        self.document = document or read_document(source, syntax, path)
        self.markup = self.document.markup
        ranges: list[tuple[int, int]] = []
        for variant in self.document.variants:
            for p in variant.layer.offsets.pieces:
                if p.src_end <= p.src_start:
                    continue
                if p.verbatim or (not p.mask and source[p.src_start:p.src_end].isspace()):
                    ranges.append((p.src_start, p.src_end))
        self._prose = _merge(ranges)
        self._prose_starts = [s for s, _ in self._prose]
        protected = self._template_tags() + self._markup_tokens() + self._front_matter()
        # Merged where they overlap (a placeholder inside an HTML attribute), not where
        # they only touch: between "</p>" and "<p>" is a fine place for a comment.
        self._protected = _merge(protected, touching=False)
        self._protected_starts = [s for s, _ in self._protected]
        # An encoded email body (quoted-printable, base64) is read through its encoding:
        # text written into it would be decoded as something else.
        self.encoded_email = syntax == "eml" and bool(_ENCODED_EMAIL.search(source))

    def _template_tags(self) -> list[tuple[int, int]]:
        if self.syntax not in TEMPLATES:
            return []
        tags, _ = find_tags(self.source, FAMILY[self.syntax])
        return [(t.start, t.end) for t in tags if t.end > t.start]

    def _markup_tokens(self) -> list[tuple[int, int]]:
        if self.markup not in ("html", "markdown") and self.syntax != "eml":
            return []
        return [(m.start(), m.end()) for m in _MARKUP_TOKEN.finditer(self.source)]

    def _front_matter(self) -> list[tuple[int, int]]:
        if self.syntax == "eml":
            return []
        m = _FRONT_MATTER.match(self.source)
        return [(0, m.end())] if m else []

    def after_front_matter(self) -> int:
        """Where the file's own text starts: after its front matter, if it has one (what
        goes first must stay first, or the front matter is no longer read)."""
        found = self._front_matter()
        return found[0][1] if found else 0

    def tags(self, text: str) -> list[tuple[str, str]]:
        """The template tags of ``text`` in order (kind and exact text): what must not
        change. Empty for a file that is not a template."""
        if self.syntax not in TEMPLATES:
            return []
        tags, _ = find_tags(text, FAMILY[self.syntax])
        return [(t.kind, text[t.start:t.end]) for t in tags]

    def is_prose(self, offset: int) -> bool:
        """Is ``source[offset]`` prose the linter read as written?"""
        i = bisect.bisect_right(self._prose_starts, offset) - 1
        return i >= 0 and offset < self._prose[i][1] and not self._in_protected(offset)

    def _in_protected(self, offset: int) -> bool:
        i = bisect.bisect_right(self._protected_starts, offset) - 1
        return i >= 0 and offset < self._protected[i][1]

    def editable(self, start: int, end: int) -> bool:
        """May ``source[start:end]`` be replaced? (An empty range: may text go there?)"""
        if self.encoded_email:
            return False
        if start == end:
            return self.can_insert(start) and (
                self.is_prose(start) or (start > 0 and self.is_prose(start - 1)))
        i = bisect.bisect_right(self._prose_starts, start) - 1
        if i < 0 or self._prose[i][1] < end:
            return False  # not one run of prose from start to end
        j = bisect.bisect_left(self._protected_starts, end)  # those starting before end
        return j == 0 or self._protected[j - 1][1] <= start

    def can_insert(self, offset: int) -> bool:
        """May text be inserted at ``offset`` (between two characters)? Never strictly
        inside a tag, a comment, an entity or front matter."""
        j = bisect.bisect_left(self._protected_starts, offset)  # those starting before it
        return j == 0 or self._protected[j - 1][1] <= offset

    def unsafe_characters(self) -> frozenset[str]:
        unsafe = set(_UNSAFE_ALWAYS)
        if self.syntax in TEMPLATES:
            unsafe |= _UNSAFE_TEMPLATE
        if self.markup == "html" or self.syntax in ("html", "eml"):
            unsafe |= _UNSAFE_HTML
        if self.markup == "markdown":
            unsafe |= _UNSAFE_MARKDOWN
        if self.syntax == "eml":
            unsafe |= {"="}  # a quoted-printable escape
        return frozenset(unsafe)


# Conservative: a little more than the HTML reader treats as markup is fine, since these
# ranges only ever stop an edit.
_MARKUP_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)|<(?:script|style)\b.*?(?:</(?:script|style)\s*>|\Z)"
    r"|<[!?/]?[A-Za-z][^>]*>?|&#?[A-Za-z0-9]{1,32};?", re.DOTALL | re.IGNORECASE)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n.*?^---[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE)


def _merge(ranges: Iterable[tuple[int, int]], touching: bool = True) -> list[tuple[int, int]]:
    """Sorted, disjoint ranges covering ``ranges`` (joined where they overlap, and where
    they only touch if ``touching``)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and (start < merged[-1][1] or (touching and start == merged[-1][1])):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


# --- from a quoted rewrite to an edit -----------------------------------------------


class _Normal:
    """``source[start:end]`` with every run of blanks one space and invisible characters
    left out, as the suggestion quotes it, and where each of its characters came from."""

    def __init__(self, source: str, start: int, end: int) -> None:
        chars: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        i = start
        while i < end:
            ch = source[i]
            if _INVISIBLE.match(ch):
                if self.ends:
                    self.ends[-1] = i + 1
                i += 1
                continue
            if ch.isspace():
                j = i
                while j < end and (source[j].isspace() or _INVISIBLE.match(source[j])):
                    j += 1
                chars.append(" ")
                self.starts.append(i)
                self.ends.append(j)
                i = j
                continue
            chars.append(ch)
            self.starts.append(i)
            self.ends.append(i + 1)
            i += 1
        self.text = "".join(chars)
        self.start, self.end = start, end

    def source_range(self, a: int, b: int) -> tuple[int, int]:
        """The source range of normalized ``[a, b)`` (an empty one: where it sits)."""
        if b > a:
            return self.starts[a], self.ends[b - 1]
        at = self.starts[a] if a < len(self.starts) else self.end
        return at, at


def _word(ch: str) -> bool:
    return ch.isalnum() or ch in "'\u2019_-"


def _boundary(text: str, at: int) -> bool:
    return at <= 0 or at >= len(text) or not (_word(text[at - 1]) and _word(text[at]))


def _common_prefix(a: str, b: str) -> int:
    n = 0
    limit = min(len(a), len(b))
    while n < limit and a[n] == b[n]:
        n += 1
    while n > 0 and not (_boundary(a, n) and _boundary(b, n)):
        n -= 1
    return n


def _common_suffix(a: str, b: str, limit: int) -> int:
    n = 0
    while n < limit and a[len(a) - 1 - n] == b[len(b) - 1 - n]:
        n += 1
    while n > 0 and not (_boundary(a, len(a) - n) and _boundary(b, len(b) - n)):
        n -= 1
    return n


_WORDS = re.compile(r"[\w'\u2019-]+")


def _words(text: str) -> list[str]:
    return [w.lower().replace("\u2019", "'") for w in _WORDS.findall(text)]


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip("".join(_CLOSERS))
    return bool(stripped) and stripped[-1] in _SENTENCE_END


class _Sentence:
    """Where the sentence holding ``[start, end)`` begins and ends in the source, found as
    the parser's sentence splitter would (a stop then a blank, a blank line, a short
    line), and never past anything that is not prose (a tag stops a sentence too)."""

    def __init__(self, source: str, guard: SourceGuard, start: int, end: int) -> None:
        a = start
        while a > 0 and guard.is_prose(a - 1):
            ch = source[a - 1]
            if ch == "\n" and self._line_ends_sentence(source, a - 1):
                break
            if ch.isspace() and _ends_sentence(source[max(0, a - 4):a - 1].rstrip()):
                break
            a -= 1
        while a < start and source[a].isspace():
            a += 1
        z = end
        while z < len(source) and guard.is_prose(z):
            ch = source[z]
            if ch in _SENTENCE_END:
                z += 1
                while z < len(source) and (source[z] in _SENTENCE_END or source[z] in _CLOSERS):
                    z += 1
                break
            if ch == "\n" and self._line_ends_sentence(source, z):
                break
            z += 1
        while z > end and source[z - 1].isspace():
            z -= 1
        self.start, self.end = a, z

    @staticmethod
    def _line_ends_sentence(source: str, newline: int) -> bool:
        """Does the line ending at ``newline`` end its sentence? (Blank line after it,
        a stop or colon at its end, or a short line.)"""
        line_start = source.rfind("\n", 0, newline) + 1
        line = source[line_start:newline].rstrip()
        nxt = source.find("\n", newline + 1)
        following = source[newline + 1: nxt if nxt != -1 else len(source)]
        if not line or not following.strip():
            return True
        return line[-1] in ".!?:;" or (len(line) < _SHORT_LINE and line[-1] == ",")


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    if first in ("I", "I'm", "I've", "I'll", "I'd") or first[1:2].isupper():
        return text
    return text[:1].lower() + text[1:]


class _NoEdit(Exception):
    """Why a finding's rewrite is not turned into an edit."""


def _edit_for(source: str, finding: Finding, rewrite: _Rewrite, guard: SourceGuard,
              safe: bool) -> TextEdit:
    if finding.scope != "span":
        raise _NoEdit("a finding about the whole message has no words to replace")
    quote = rewrite.quote(finding.suggestion)
    if quote is None:
        raise _NoEdit("the suggestion has no rewrite to apply")
    if set(quote) & guard.unsafe_characters():
        raise _NoEdit("the rewrite would write markup or a placeholder")
    s, e = finding.span.start, finding.span.end
    if not (0 <= s < e <= len(source)) or source[s:e] != finding.text:
        raise _NoEdit("the file changed since it was linted")
    sentence = _Sentence(source, guard, s, e)
    at_sentence_start = sentence.start == s
    if rewrite.scope == "sentence":
        start, end, replacement = _sentence_edit(source, sentence, s, e, quote)
    elif rewrite.scope == "clause":
        start, end, replacement = _clause_edit(source, sentence, s, e, quote)
        if not at_sentence_start:
            replacement = _lower_first(replacement)
    else:
        rest = _Normal(source, e, sentence.end).text.strip()
        if rest and not all(ch in _SENTENCE_END or ch in _CLOSERS for ch in rest):
            raise _NoEdit("the flagged words do not end their sentence")
        start, end, replacement = s, e, quote.rstrip(".!?")
        if not at_sentence_start:
            replacement = _lower_first(replacement)
    if source[start:end] == replacement:
        raise _NoEdit("the source already reads as the rewrite")
    if not guard.editable(start, end):
        raise _NoEdit("the edit would touch a template tag, a placeholder or markup")
    return TextEdit(rule=finding.rule, start=start, end=end, replacement=replacement,
                    safe=safe)


def _sentence_edit(source: str, sentence: _Sentence, s: int, e: int,
                   quote: str) -> tuple[int, int, str]:
    """The rewrite is the whole sentence: replace what differs between the two. The
    parser's sentence may start later than it seems here ("😀 We're sorry…" can be
    two), so it is also tried from the flagged words on."""
    problem = _NoEdit("the sentence could not be found")
    for anchor in dict.fromkeys((sentence.start, s)):
        try:
            return _diff_edit(source, anchor, sentence.end, s, quote)
        except _NoEdit as exc:
            problem = exc
    raise problem


def _diff_edit(source: str, anchor: int, end: int, s: int,
               quote: str) -> tuple[int, int, str]:
    if not anchor <= s:
        raise _NoEdit("the sentence could not be found")
    normal = _Normal(source, anchor, end)
    old, new = normal.text, quote
    prefix = _common_prefix(old, new)
    suffix = _common_suffix(old, new, min(len(old), len(new)) - prefix)
    removed, added = old[prefix:len(old) - suffix], new[prefix:len(new) - suffix]
    if _words(added) and not set(_words(added)) <= set(_words(removed)) | _NEW_WORDS_ALLOWED:
        # The rewrite has words this sentence does not: it was split differently.
        raise _NoEdit("the rewrite does not line up with the sentence in the file")
    if re.search(r"[.!?][\"')\]\u2019\u201d]*\s+\S", removed):
        raise _NoEdit("the edit would remove the end of a sentence")
    start, end = normal.source_range(prefix, len(old) - suffix)
    if start < s:
        raise _NoEdit("the edit would change words before the flagged ones")
    return start, end, added


def _clause_edit(source: str, sentence: _Sentence, s: int, e: int,
                 quote: str) -> tuple[int, int, str]:
    """The rewrite replaces the flagged words and may run on with the words after them
    ("We made mistakes" + " during the migration", which the source already has)."""
    body = quote[:-1] if quote[-1:] in _SENTENCE_END else quote
    after = _Normal(source, e, sentence.end).text.lstrip()
    cuts = [0] + [m.start() for m in re.finditer(r" ", body)] + [len(body)]
    for cut in cuts[1:]:  # the longest tail the source has right after the flagged words
        tail = body[cut:].strip()
        if not tail:
            head = body
        elif after.startswith(tail) and _boundary(after, len(tail)):
            head = body[:cut].rstrip()
        else:
            continue
        if _words(head):
            return s, e, head
    raise _NoEdit("the rewrite does not line up with the words after the flagged ones")


# --- edits for a report ---------------------------------------------------------------


def has_rewrite(rule: str) -> bool:
    return rule in REWRITES


def is_safe(rule: str, safe_rules: Collection[str]) -> bool:
    """Does ``--fix`` apply ``rule``'s rewrite? ``safe_rules``: ``safe_fix_rules(rules)``."""
    return rule in safe_rules


def edit_for_finding(source: str, finding: Finding, guard: SourceGuard,
                     safe_rules: Collection[str]) -> TextEdit | None:
    """The edit that applies ``finding``'s rewrite, or ``None`` when it has none or it
    cannot be applied safely (``explain_edit`` says why)."""
    try:
        return _checked(source, guard, _edit_for(source, finding, REWRITES[finding.rule],
                                                 guard, is_safe(finding.rule, safe_rules)))
    except (KeyError, _NoEdit):
        return None


def explain_edit(source: str, finding: Finding, guard: SourceGuard,
                 safe_rules: Collection[str]) -> str | None:
    """Why ``finding``'s rewrite is not applied (``None``: it is)."""
    if finding.rule not in REWRITES:
        return "the rule has no concrete rewrite"
    try:
        _checked(source, guard, _edit_for(source, finding, REWRITES[finding.rule], guard,
                                          is_safe(finding.rule, safe_rules)))
    except _NoEdit as exc:
        return str(exc)
    return None


def _checked(source: str, guard: SourceGuard, edit: TextEdit) -> TextEdit:
    if guard.tags(apply_edits(source, [edit])) != guard.tags(source):
        raise _NoEdit("the edit would change a template tag")
    return edit


def edits(source: str, syntax: Syntax, report: Report, *, safe_rules: Collection[str],
          path: str | None = None, include_unsafe: bool = False,
          guard: SourceGuard | None = None) -> tuple[list[TextEdit], list[SkippedFix]]:
    """The edits that apply the report's rewrites to ``source`` (the text it was linted
    from): safe ones only unless ``include_unsafe``. Non-overlapping, in file order; a
    rewrite that cannot be applied safely is in the second list with the reason."""
    guard = guard or SourceGuard(source, syntax, path or report.path)
    chosen: list[TextEdit] = []
    skipped: list[SkippedFix] = []
    for finding in sorted(report.findings, key=lambda f: (f.span.start, f.span.end, f.rule)):
        if finding.rule not in REWRITES or not (include_unsafe
                                                or is_safe(finding.rule, safe_rules)):
            continue
        try:
            edit = _checked(source, guard, _edit_for(source, finding, REWRITES[finding.rule],
                                                     guard, is_safe(finding.rule, safe_rules)))
        except _NoEdit as exc:
            skipped.append(SkippedFix(rule=finding.rule, start=finding.span.start,
                                      reason=str(exc)))
            continue
        if chosen and _overlap(chosen[-1], edit):
            skipped.append(SkippedFix(rule=finding.rule, start=finding.span.start,
                                      reason="overlaps another fix; run --fix again"))
            continue
        chosen.append(edit)
    # One last look at them all together: adjacent edits must not join into a tag either.
    if chosen and guard.tags(apply_edits(source, chosen)) != guard.tags(source):
        skipped += [SkippedFix(rule=e.rule, start=e.start,
                               reason="the edits together would change a template tag")
                    for e in chosen]
        chosen = []
    return chosen, skipped


def _overlap(a: TextEdit, b: TextEdit) -> bool:
    # Touching edits overlap too: two insertions at one offset have no defined order.
    return b.start <= a.end and a.start <= b.end


def apply_edits(source: str, chosen: Sequence[TextEdit]) -> str:
    """``source`` with the edits made, right to left so each edit's offsets still hold.
    The edits must not overlap."""
    ordered = sorted(chosen, key=lambda e: (e.start, e.end))
    for before, after in itertools.pairwise(ordered):
        if after.start < before.end:
            raise ValueError(f"overlapping edits at {before.start} and {after.start}")
    text = source
    for edit in reversed(ordered):
        text = text[:edit.start] + edit.replacement + text[edit.end:]
    return text


def fix(source: str, syntax: Syntax, report: Report, *, safe_rules: Collection[str],
        path: str | None = None, include_unsafe: bool = False) -> FixResult:
    """Apply the report's safe rewrites (all of them with ``include_unsafe``)."""
    chosen, skipped = edits(source, syntax, report, path=path, include_unsafe=include_unsafe,
                            safe_rules=safe_rules)
    return FixResult(source=source, text=apply_edits(source, chosen), applied=chosen,
                     skipped=skipped)


def unified_diff(before: str, after: str, path: str = "-") -> str:
    """What ``--diff`` prints: a unified diff, as ``diff -u`` and ``ruff --diff`` do
    (empty when nothing changes)."""
    if before == after:
        return ""
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    lines = []
    for line in difflib.unified_diff(old, new, fromfile=f"a/{path}", tofile=f"b/{path}"):
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        lines.append(line)
    return "".join(lines)
