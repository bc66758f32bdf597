"""Source readers: from a file as it is kept to the text(s) the linter parses.

``read_document`` picks readers from the syntax and stacks them: front matter, then the
template (which yields one *variant* per set of branch choices), then the markup inside
(HTML, Markdown), then email hygiene. Each step's offset map composes with the last, so
every span in a variant's text maps to an exact range of the original file.
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
from .offsets import OffsetMap
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
        return stack(layer, read_html(layer.text))
    if markup == "markdown":
        layer = stack(layer, read_markdown(layer.text))
    return stack(layer, read_plain(layer.text))


def read_document(source: str, syntax: Syntax, path: str | None = None) -> Document:
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
    """A text linted exactly as given: no reader, no hygiene (the library's ``lint``)."""
    layer = Layer(text, OffsetMap.identity(len(text)))
    return Document(text, "text", "text", [Variant(layer, [])], raw=True)
