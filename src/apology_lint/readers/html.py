"""HTML as a reader sees it: the text of the body, as a recipient's mail client shows it.

A small tokenizer rather than ``html.parser``: it keeps the exact offset of every tag,
entity and text run, which the offset map needs. ``head``, ``script``, ``style`` and
``template`` are skipped, and so is ``blockquote`` (in email, the quoted earlier message).
Entities are decoded, whitespace runs collapse to one space as a browser shows them, and
block elements become paragraph breaks so the parser sees sentences end there.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from dataclasses import dataclass

from .layer import Layer, Problem
from .offsets import TextBuilder

# Where a token can start: a comment, a declaration (<!DOCTYPE …>), a processing
# instruction, a tag name, an entity. Where a comment, declaration or tag ends is found by
# ``_Tokens``: as one pattern, every "<a " with no ">" after it was read to the end of the
# file (quadratic in the number of them).
_TOKEN_START = re.compile(
    r"<!--|<!|<\?|<(/?)([A-Za-z][\w:-]*)"
    r"|&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?")
_TAG_MARK = re.compile("[\"'>]")  # what a tag's attributes are read by: quotes and '>'
_SPACE = re.compile(r"\s+")
# A tag opened after the last ">" of the file never closes.
_UNCLOSED_TAG = re.compile(r"<(/?[A-Za-z][\w:-]*)")

_SKIP = {"head", "script", "style", "template", "blockquote", "noscript", "title"}
_BLOCK = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td",
          "th", "table", "tbody", "thead", "section", "article", "header", "footer", "hr",
          "pre", "dl", "dt", "dd", "center", "body", "html", "main", "aside", "nav",
          "address", "figure", "figcaption"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "source", "track", "wbr", "param", "keygen"}


@dataclass
class _Token:
    start: int
    end: int
    closing: bool  # a closing tag (</p>)
    name: str  # the tag's name; empty for a comment, declaration or entity
    attributes: str  # what stands between the tag's name and its ">"


class _Tokens:
    """The tokens of an HTML source, each found from where the last one ended.

    A tag ends at the first ">" outside quoted attribute values (a quote without its pair
    fails the tag, and its "<" is text). How each quote and ">" ends a tag is remembered:
    every tag that reaches the same one outside quotes ends where the first did, so the
    file is read once however many tags never close.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.last_gt = source.rfind(">")
        self.marks: list[int] | None = None  # offsets of quotes and ">", found on demand
        self.ends: dict[int, int] = {}  # mark index -> the ">" reached from it, or -1

    def next(self, pos: int) -> _Token | None:
        source = self.source
        while (m := _TOKEN_START.search(source, pos)) is not None:
            start, token = m.start(), m.group(0)
            if token == "<!--":  # runs to "-->" or to the end of the file
                close = source.find("-->", m.end())
                return _Token(start, len(source) if close == -1 else close + 3, False, "", "")
            if token.startswith("&"):
                return _Token(start, m.end(), False, "", "")
            gt = self._tag_end(m.end()) if m.group(2) else (
                source.find(">", m.end()) if self.last_gt >= m.end() else -1)
            if gt != -1:
                return _Token(start, gt + 1, bool(m.group(1)), m.group(2) or "",
                              source[m.end():gt])
            pos = start + 1  # not a token: its "<" is text
        return None

    def _tag_end(self, pos: int) -> int:
        """The offset of the ">" ending a tag whose attributes start at ``pos``, or -1."""
        if self.marks is None:
            self.marks = [m.start() for m in _TAG_MARK.finditer(self.source)]
        i = bisect_left(self.marks, pos)
        path: list[int] = []
        end = -1
        while i < len(self.marks):
            if i in self.ends:
                end = self.ends[i]
                break
            path.append(i)
            at = self.marks[i]
            if self.source[at] == ">":
                end = at
                break
            close = self.source.find(self.source[at], at + 1)
            if close == -1:
                break  # a quote never closed: no tag passes it
            i = bisect_left(self.marks, close) + 1
        for j in path:
            self.ends[j] = end
        return end


def read_html(source: str) -> Layer:
    builder = TextBuilder(source)
    problems: list[Problem] = []
    open_tags: list[str] = []
    pos = 0

    def text(start: int, end: int) -> None:
        for piece in re.split(r"(\s+)", source[start:end]):
            if not piece:
                continue
            if piece.isspace():
                # Whitespace collapses to one space, and none at the start of a line.
                if builder.length and not builder.ends_with((" ", "\n")):
                    builder.put(" ", start, start + len(piece))
            else:
                builder.keep(start, start + len(piece))
            start += len(piece)

    tokens = _Tokens(source)
    while (token := tokens.next(pos)) is not None:
        text(pos, token.start)
        pos = token.end
        raw = source[token.start:token.end]
        if raw.startswith("&"):
            decoded = html.unescape(raw)
            builder.put(decoded, token.start, token.end)
        elif raw.startswith("<!--"):
            if not raw.endswith("-->"):
                problems.append(Problem("unclosed HTML comment: '<!--' without '-->'",
                                        token.start, token.start + 4))
        elif token.name:
            closing, name = token.closing, token.name.lower()
            if not closing and name in _SKIP:
                end = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(source, pos)
                if end is None:
                    if name in ("script", "style", "blockquote", "template"):
                        problems.append(Problem(f"<{name}> is never closed", token.start,
                                                token.end))
                    pos = len(source)
                else:
                    pos = end.end()
                continue
            if closing:
                if name in open_tags:
                    while open_tags.pop() != name:
                        pass
                elif name not in _VOID:
                    problems.append(Problem(f"closing tag </{name}> has no opening tag",
                                            token.start, token.end))
            elif name not in _VOID and not token.attributes.rstrip().endswith("/"):
                open_tags.append(name)
            if name == "br":
                builder.put("\n", token.start, token.end)
            elif name in _BLOCK and builder.length and not builder.ends_with("\n\n"):
                builder.put("\n\n", token.start, token.end)
    tail = _UNCLOSED_TAG.search(source, max(pos, source.rfind(">", pos) + 1))
    if tail is not None:
        problems.append(Problem(f"unclosed tag: '<{tail.group(1)}' without '>'",
                                tail.start(), tail.start() + len(tail.group(1)) + 1))
        text(pos, tail.start())
    else:
        text(pos, len(source))
    text_out, offsets = builder.build()
    return Layer(text_out, offsets, problems)
