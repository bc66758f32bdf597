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

from .layer import Layer, Problem
from .offsets import TextBuilder

_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<![^>]*>|<\?[^>]*>"
    r"|<(/?)([A-Za-z][\w:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>"
    r"|&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?",
    re.DOTALL)
_SPACE = re.compile(r"\s+")
_UNCLOSED_TAG = re.compile(r"<(/?[A-Za-z][\w:-]*)[^>]*\Z")

_SKIP = {"head", "script", "style", "template", "blockquote", "noscript", "title"}
_BLOCK = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td",
          "th", "table", "tbody", "thead", "section", "article", "header", "footer", "hr",
          "pre", "dl", "dt", "dd", "center", "body", "html", "main", "aside", "nav",
          "address", "figure", "figcaption"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "source", "track", "wbr", "param", "keygen"}


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

    while (m := _TOKEN.search(source, pos)) is not None:
        text(pos, m.start())
        pos = m.end()
        token = m.group(0)
        if token.startswith("&"):
            decoded = html.unescape(token)
            builder.put(decoded, m.start(), m.end())
        elif token.startswith("<!--"):
            if not token.endswith("-->"):
                problems.append(Problem("unclosed HTML comment: '<!--' without '-->'",
                                        m.start(), m.start() + 4))
        elif m.group(2):
            closing, name = bool(m.group(1)), m.group(2).lower()
            if not closing and name in _SKIP:
                end = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(source, pos)
                if end is None:
                    if name in ("script", "style", "blockquote", "template"):
                        problems.append(Problem(f"<{name}> is never closed", m.start(),
                                                m.end()))
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
                                            m.start(), m.end()))
            elif name not in _VOID and not m.group(3).rstrip().endswith("/"):
                open_tags.append(name)
            if name == "br":
                builder.put("\n", m.start(), m.end())
            elif name in _BLOCK and builder.length and not builder.ends_with("\n\n"):
                builder.put("\n\n", m.start(), m.end())
    tail = _UNCLOSED_TAG.search(source, pos)
    if tail is not None:
        problems.append(Problem(f"unclosed tag: '<{tail.group(1)}' without '>'",
                                tail.start(), tail.start() + len(tail.group(1)) + 1))
        text(pos, tail.start())
    else:
        text(pos, len(source))
    text_out, offsets = builder.build()
    return Layer(text_out, offsets, problems)
