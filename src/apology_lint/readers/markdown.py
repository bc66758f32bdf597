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

from .layer import Layer
from .offsets import TextBuilder

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r" {0,3}#{1,6}(?:[ \t]+|$)")
_LIST = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?")
_TABLE_RULE = re.compile(r"[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$")
_INLINE = re.compile(
    r"(?P<code>(`+)(?:.+?)\2)"
    r"|(?P<image>!\[[^\]\n]*\]\([^)\n]*\))"
    r"|(?P<link>\[(?P<label>[^\]\n]+)\]\([^)\n]*\))"
    r"|(?P<auto><(?P<url>(?:https?://|mailto:)[^>\s]+)>)"
    r"|(?P<comment><!--.*?(?:-->|\Z))"
    r"|(?P<tag></?[A-Za-z][\w-]*(?:\s[^<>]*)?>)"
    r"|(?P<emphasis>\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|(?<!\w)_(?=\S)|(?<=\S)_(?!\w))",
    re.DOTALL)
CODE_STAND_IN = "Northwind"


def _inline(builder: TextBuilder, source: str, start: int, end: int) -> None:
    pos = start
    for m in _INLINE.finditer(source, start, end):
        builder.keep(pos, m.start())
        pos = m.end()
        if m.group("code"):
            builder.put(CODE_STAND_IN, m.start(), m.end(), mask=True)
        elif m.group("link"):
            builder.keep(m.start("label"), m.end("label"))
        elif m.group("auto"):
            builder.keep(m.start("url"), m.end("url"))
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
