"""Source readers: from a file as it is kept to the text(s) the linter parses.

``read_document`` picks readers from the syntax and stacks them: front matter, then the
template (which yields one *variant* per set of branch choices), then the markup inside
(HTML, Markdown), then email hygiene, and last the characters no reader should pass on
(``INVISIBLE``). Each step's offset map composes with the last, so every span in a
variant's text maps to an exact range of the original file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Literal

from .email import read_eml
from .frontmatter import read_front_matter
from .html import read_html
from .layer import Layer, Problem
from .markdown import read_markdown
from .offsets import OffsetMap, TextBuilder
from .plaintext import read_plain
from .template import Variant, parse, variants

Syntax = Literal["text", "markdown", "html", "eml", "jinja", "handlebars", "mustache",
                 "liquid"]
SYNTAXES: tuple[Syntax, ...] = ("text", "markdown", "html", "eml", "jinja", "handlebars",
                                "mustache", "liquid")
TEMPLATES = frozenset({"jinja", "handlebars", "mustache", "liquid"})
Markup = Literal["text", "markdown", "html"]

EXTENSIONS: dict[str, Syntax] = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
    ".html": "html", ".htm": "html", ".eml": "eml",
    ".j2": "jinja", ".jinja": "jinja", ".jinja2": "jinja",
    ".hbs": "handlebars", ".handlebars": "handlebars", ".mustache": "mustache",
    ".liquid": "liquid",
}
_LOOKS_LIKE_HTML = re.compile(r"<(?:html|body|p|div|br|table|span|a|h[1-6]|ul|li)\b",
                              re.IGNORECASE)

# Invisible format characters, as the ranges of a regex character class. They are left
# out of the text the rules match: a zero-width joiner inside "were made", or bidi
# controls around it, would hide the words from every rule while a reader still sees
# them. The offset map keeps spans exact, so a finding covers them in the file. In order:
# soft hyphen, combining grapheme joiner, Arabic letter mark, Mongolian vowel separator,
# zero-width space, non-joiner and joiner with the LRM and RLM marks, bidi embeddings and
# overrides, word joiner and invisible operators, bidi isolates and deprecated format
# characters, zero-width no-break space (a BOM inside the text), tag characters.
INVISIBLE = ("\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
             "\u2066-\u206f\ufeff\U000e0000-\U000e007f")
# A lone surrogate (text from a broken decoder or a library caller) cannot be parsed: it
# becomes U+FFFD, one character for one.
_UNPARSABLE = re.compile(f"[{INVISIBLE}]|[\ud800-\udfff]")


@dataclass
class Document:
    """A file read for linting: its source and the message variants it can produce."""

    source: str
    syntax: Syntax
    markup: Markup  # what is inside a template or an email: text, Markdown or HTML
    variants: list[Variant]
    problems: list[Problem] = field(default_factory=list)  # source offsets
    settings: dict[str, Any] = field(default_factory=dict)  # from front matter
    raw: bool = False  # linted exactly as given: no directives read


def syntax_for(path: str | None) -> Syntax:
    """The syntax a file name implies (plain text when nothing does)."""
    if not path or path == "-":
        return "text"
    return EXTENSIONS.get(PurePath(path).suffix.lower(), "text")


def markup_for(path: str | None, syntax: Syntax, text: str) -> Markup:
    """For a template: the markup of its output, from a double extension (``.html.j2``)
    or, failing that, from the content."""
    if syntax in ("text", "markdown", "html"):
        return syntax
    suffixes = [s.lower() for s in PurePath(path or "").suffixes[:-1]]
    inner = EXTENSIONS.get(suffixes[-1]) if suffixes else None
    if inner in ("text", "markdown", "html"):
        return inner
    return "html" if _LOOKS_LIKE_HTML.search(text) else "text"


def stack(outer: Layer, inner: Layer) -> Layer:
    """``inner`` read ``outer.text``; the result maps straight to ``outer``'s source."""

    def to_source(start: int, end: int) -> tuple[int, int]:
        return outer.offsets.span(start, end)

    return Layer(
        inner.text,
        inner.offsets.then(outer.offsets),
        outer.problems + [Problem(p.message, *to_source(p.start, p.end)) for p in inner.problems],
        outer.quiet + [to_source(start, end) for start, end in inner.quiet],
    )


def _read_markup(layer: Layer, markup: Markup) -> Layer:
    if markup == "html":
        return _visible(stack(layer, read_html(layer.text)))
    if markup == "markdown":
        layer = stack(layer, read_markdown(layer.text))
    return _visible(stack(layer, read_plain(layer.text)))


def _visible(layer: Layer) -> Layer:
    """``layer`` without invisible characters, and lone surrogates replaced: the text
    the rules match is the text a reader sees."""
    if _UNPARSABLE.search(layer.text) is None:
        return layer  # the usual case: nothing to do
    builder = TextBuilder(layer.text)
    cursor = 0
    for m in _UNPARSABLE.finditer(layer.text):
        builder.keep(cursor, m.start())
        if "\ud800" <= m.group() <= "\udfff":
            builder.put("\ufffd", m.start(), m.end())
        cursor = m.end()
    builder.keep(cursor, len(layer.text))
    text, offsets = builder.build()
    return stack(layer, Layer(text, offsets))


def check_input(text: object, syntax: object = None) -> None:
    """The library's arguments, checked before any reader runs, with a message that says
    what to pass instead of a failure deep inside."""
    if not isinstance(text, str):
        got = type(text).__name__
        hint = "; decode bytes first" if isinstance(text, (bytes, bytearray)) else ""
        raise TypeError(f"lint() takes the message as str{hint} (got {got})")
    if syntax is not None and syntax not in SYNTAXES:
        raise ValueError(f"unknown syntax {syntax!r}; give one of {', '.join(SYNTAXES)}, "
                         "or None to lint the text exactly as given")


def read_document(source: str, syntax: Syntax, path: str | None = None) -> Document:
    check_input(source, syntax)
    if syntax == "eml":
        body = read_eml(source)
        markup: Markup = "html" if body.html else "text"
        layer = _read_markup(body.layer, markup)
        return Document(source, syntax, markup, [Variant(layer, [])], list(layer.problems))

    settings, base = read_front_matter(source)
    markup = markup_for(path, syntax, base.text)
    if syntax in TEMPLATES:
        nodes, template_problems = parse(base.text, syntax)
        base.problems += template_problems
        raw = variants(base.text, nodes)
        found = [Variant(_read_markup(stack(base, v.layer), markup), v.branches) for v in raw]
    else:
        found = [Variant(_read_markup(base, markup), [])]
    problems: dict[tuple[str, int], Problem] = {}
    for variant in found:
        for p in variant.layer.problems:
            problems.setdefault((p.message, p.start), p)
    return Document(source, syntax, markup, found, sorted(problems.values(),
                                                           key=lambda p: p.start), settings)


def plain_document(text: str) -> Document:
    """A text linted exactly as given: no reader, no hygiene (the library's ``lint``);
    only invisible characters are left out of what the rules match."""
    check_input(text)
    layer = _visible(Layer(text, OffsetMap.identity(len(text))))
    return Document(text, "text", "text", [Variant(layer, [])], raw=True)
