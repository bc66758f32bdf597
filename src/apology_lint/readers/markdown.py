"""Markdown as prose: code blocks, inline code, comments and markup removed, words kept.

Line-based on purpose (a draft message uses a small part of Markdown): fenced and
indented code blocks and HTML comments are dropped; inline code is masked like a template
placeholder (kept as a neutral stand-in so "run `sync` again" stays a sentence, but no
finding may point into it); heading, list and emphasis markers are dropped; a link keeps
its text and drops its target; an image is dropped. Block quotes are left for the email
reader, which treats ``>`` lines as a quoted reply.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator

from .layer import Layer
from .offsets import TextBuilder

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r" {0,3}#{1,6}(?:[ \t]+|$)")
_LIST = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?")
# Blanks around a table rule's pipes are matched once: as two optional runs of blanks
# side by side ("[ \t]*\|?[ \t]*"), a line of spaces was split between them every way.
_TABLE_RULE = re.compile(r"[ \t]*(?:\|[ \t]*)?:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*"
                         r"(?:\|[ \t]*)?$")
# Inline markup, as one line is read left to right: code (`…`), an image (![…](…)), a link
# ([…](…)), an autolink (<https://…>), an HTML comment or tag, an emphasis marker. Each
# kind starts with its own character; ``_Inline`` finds where each ends.
_INLINE_START = re.compile(r"[`!\[<*_]")
_BACKTICKS = re.compile(r"`+")
_AUTOLINK = re.compile(r"<(?:https?://|mailto:)")
_COMMENT_OR_TAG = re.compile(r"<!--.*?(?:-->|\Z)|</?[A-Za-z][\w-]*(?:\s[^<>]*)?>", re.DOTALL)
_EMPHASIS = re.compile(
    r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|(?<!\w)_(?=\S)|(?<=\S)_(?!\w)")
_CLOSE_BRACKET = re.compile(r"\]")
_CLOSE_PAREN = re.compile(r"\)")
_URL_END = re.compile(r"[>\s]")
CODE_STAND_IN = "Northwind"


class _Next:
    """Where ``pattern`` next matches in ``source[:end]`` from an offset that only moves
    forward: one search answers every offset up to the match it found (or, finding none,
    every later one), so "[" repeated is not each read to the end of its line."""

    def __init__(self, pattern: re.Pattern[str], source: str, end: int) -> None:
        self.pattern, self.source, self.end = pattern, source, end
        self.pos, self.found = -1, -1

    def at(self, pos: int) -> int:
        """The offset of the first match at or after ``pos``, or -1."""
        if self.pos < 0 or pos < self.pos or pos > self.found >= 0:
            m = self.pattern.search(self.source, pos, self.end)
            self.pos, self.found = pos, m.start() if m else -1
        return self.found


# (kind, start, end, kept): kind is code, image, link, auto or other (an HTML comment or
# tag, an emphasis marker); kept is the source range a link or an autolink keeps.
_Mark = tuple[str, int, int, tuple[int, int] | None]


class _Inline:
    """The inline markup of ``source[start:end]`` (one line) in linear time, found as one
    pattern of the alternatives (in the order above, tried at each character) would find
    it. As one pattern, "[", "![" or "<https://" repeated without its closer, or a long
    run of backticks, was read to the end of the line from each of them."""

    def __init__(self, source: str, start: int, end: int) -> None:
        self.source, self.start, self.end = source, start, end
        self.brackets = _Next(_CLOSE_BRACKET, source, end)
        self.parens = _Next(_CLOSE_PAREN, source, end)
        self.url_ends = _Next(_URL_END, source, end)
        self.runs: list[tuple[int, int]] | None = None  # runs of backticks, when needed
        self.longest_after: list[int] = []  # the longest run after each run

    def marks(self) -> Iterator[_Mark]:
        pos = self.start
        while (m := _INLINE_START.search(self.source, pos, self.end)) is not None:
            found = self._at(m.start())
            if found is None:
                pos = m.start() + 1  # no markup starts here
                continue
            yield found
            pos = found[2]

    def _at(self, p: int) -> _Mark | None:
        source, char = self.source, self.source[p]
        if char == "`":
            end = self._code(p)
            return ("code", p, end, None) if end != -1 else None
        if char == "!":
            if not source.startswith("![", p, self.end):
                return None
            end, _ = self._link(p + 2)
            return ("image", p, end, None) if end != -1 else None
        if char == "[":
            end, label_end = self._link(p + 1)
            # A link's text is not empty.
            return ("link", p, end, (p + 1, label_end)) if end != -1 and label_end > p + 1 \
                else None
        if char == "<":
            head = _AUTOLINK.match(source, p, self.end)
            if head is not None:
                close = self.url_ends.at(head.end())
                if close > head.end() and source[close] == ">":
                    return "auto", p, close + 1, (p + 1, close)
            other = _COMMENT_OR_TAG.match(source, p, self.end)
        else:
            other = _EMPHASIS.match(source, p, self.end)
        return ("other", p, other.end(), None) if other else None

    def _link(self, label: int) -> tuple[int, int]:
        """``label](target)`` from ``label`` on: the end of the ")" and where the label
        ends, or (-1, -1). Neither the label nor the target holds its closer."""
        bracket = self.brackets.at(label)
        if bracket == -1 or not self.source.startswith("(", bracket + 1, self.end):
            return -1, -1
        paren = self.parens.at(bracket + 2)
        return (paren + 1, bracket) if paren != -1 else (-1, -1)

    def _code(self, p: int) -> int:
        """The end of a code span starting at ``p``, or -1: ``(`+)(?:.+?)\\2``. The
        longest opening run is tried first; a run of n backticks closes at the next n
        backticks at least one character later, in a later run or in its own rest."""
        if self.runs is None:
            self.runs = [(m.start(), m.end())
                         for m in _BACKTICKS.finditer(self.source, self.start, self.end)]
            longest = 0
            self.longest_after = [0] * len(self.runs)
            for i in range(len(self.runs) - 1, -1, -1):
                self.longest_after[i] = longest
                longest = max(longest, self.runs[i][1] - self.runs[i][0])
        k = bisect_right(self.runs, (p, len(self.source))) - 1
        length = self.runs[k][1] - p  # the backticks from p on
        size = max(min(length, self.longest_after[k]), (length - 1) // 2)
        if size < 1:
            return -1
        if 2 * size + 1 <= length:  # closed inside its own run
            return p + 2 * size + 1
        j = k + 1
        while self.runs[j][1] - self.runs[j][0] < size:
            j += 1
        return self.runs[j][0] + size


def _inline(builder: TextBuilder, source: str, start: int, end: int) -> None:
    pos = start
    for kind, m_start, m_end, kept in _Inline(source, start, end).marks():
        builder.keep(pos, m_start)
        pos = m_end
        if kind == "code":
            builder.put(CODE_STAND_IN, m_start, m_end, mask=True)
        elif kept is not None:  # a link keeps its text, an autolink its address
            builder.keep(*kept)
        # images, comments, inline HTML tags and emphasis markers: dropped
    builder.keep(pos, end)


def read_markdown(source: str) -> Layer:
    builder = TextBuilder(source)
    lines = source.splitlines(keepends=True)
    offset = 0
    fence: str | None = None
    previous_blank, in_list, in_code = True, False, False
    comment_end = -1
    for line in lines:
        start, end = offset, offset + len(line)
        offset = end
        body = line.rstrip("\r\n")
        if start < comment_end:
            continue
        if fence is not None:
            if body.strip().startswith(fence):
                fence = None
            continue
        if (m := _FENCE.match(body)) is not None:
            fence = m.group(1)[0] * 3
            continue
        indented = body.startswith(("    ", "\t")) and body.strip() != ""
        if indented and (in_code or (previous_blank and not in_list)):
            in_code = True
            continue
        in_code = False
        if not body.strip():
            previous_blank = True
            builder.keep(start, end)
            continue
        if body.lstrip().startswith("<!--"):
            close = source.find("-->", start)
            comment_end = len(source) if close == -1 else close + 3
            rest = source.find("\n", comment_end)
            if rest != -1 and not source[comment_end:rest].strip():
                comment_end = rest + 1
            continue
        if _TABLE_RULE.match(body):
            continue
        content = start
        if (m := _HEADING.match(body)) is not None:
            content = start + m.end()
        elif (m := _LIST.match(body)) is not None:
            content = start + m.end()
            in_list = True
        elif previous_blank:
            in_list = False
        previous_blank = False
        line_end = start + len(body)
        _inline(builder, source, content, line_end)
        newline = source[line_end:end]
        if _HEADING.match(body) and newline:
            builder.put("\n\n", line_end, end)  # a heading ends its own sentence
        else:
            builder.keep(line_end, end)
    text, offsets = builder.build()
    return Layer(text, offsets)
