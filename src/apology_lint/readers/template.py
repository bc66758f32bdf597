"""Templates read as they are: never rendered, placeholders masked, every branch linted.

Two families share this module: Jinja2 and Liquid (``{{ }}``, ``{% %}``, ``{# #}``), and
Handlebars and Mustache (``{{ }}``, ``{{{ }}}``, ``{{# }}…{{/ }}``, ``{{! }}``). The
template is tokenized into text, output tags and block tags, and built into a tree of
blocks. Nothing is evaluated, so an untrusted template is as safe to lint as plain text.

* An output tag (``{{ customer.first_name }}``) becomes a *stand-in*: a neutral word or
  value chosen from the placeholder's name ("Alex", "14:00 UTC", "12"), so the sentence
  stays grammatical for the parser. Stand-ins are masked: no finding may include one.
* Block tags and comments become a masked space (so no finding runs across one); a tag
  alone on its line takes the line with it, as Jinja's ``trim_blocks`` and Handlebars'
  standalone tags do.
* A conditional block (``if``/``elif``/``else``, ``unless``, ``case``/``when``, Mustache
  sections, a ``for`` with an ``else``) has *arms*; an ``if`` with no ``else`` also has
  an empty arm. ``variants`` picks arms so that every arm of every block appears in at
  least one variant; each variant is a message some recipient could receive, and is
  linted as a whole. Loops and other blocks are transparent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from .layer import Layer, Problem
from .offsets import TextBuilder

Family = Literal["jinja", "handlebars"]
FAMILY: dict[str, Family] = {
    "jinja": "jinja", "liquid": "jinja", "handlebars": "handlebars", "mustache": "handlebars",
}
MAX_VARIANTS = 32

# Where a tag starts, and what may close it, tried in this order: the first closer after
# the opener ends the tag, else the two-character opener is an unclosed tag. (As one lazy
# pattern, every opener without a closer read the rest of the file.)
_OPENER: dict[Family, re.Pattern[str]] = {"jinja": re.compile(r"\{[#%{]"),
                                          "handlebars": re.compile(r"\{\{")}
_CLOSERS: dict[Family, list[tuple[str, str]]] = {
    "jinja": [("{#", "#}"), ("{%", "%}"), ("{{", "}}")],
    "handlebars": [("{{!--", "--}}"), ("{{{", "}}}"), ("{{", "}}")],
}
_WORD = re.compile(r"[A-Za-z_][\w-]*")
_RAW_END = re.compile(r"\{%-?\s*end(raw|comment|verbatim)\s*-?%\}")

# Jinja/Liquid block tags that open a block closed by ``end<name>``.
_CONDITIONAL = {"if", "unless", "case"}
_TRANSPARENT = {"for", "block", "macro", "call", "filter", "with", "autoescape", "capture",
                "tablerow", "trans", "spaceless", "embed", "paginate", "form", "blocktrans"}
_ARM_TAGS = {"elif", "elsif", "else", "when", "empty"}
_HBS_CONDITIONAL = {"if", "unless"}


@dataclass
class Output:
    start: int
    end: int
    expression: str


@dataclass
class Arm:
    label: str  # the tag that opens the arm, for messages: "{% else %}"
    nodes: list[Node] = field(default_factory=list)


@dataclass
class Block:
    name: str
    start: int
    end: int  # the opening tag's range
    line: int
    conditional: bool
    arms: list[Arm]
    has_default: bool = False  # an else arm exists, so some arm is always taken
    inverted: bool = False  # a Mustache/Handlebars inverted section ({{^x}})

    def choices(self) -> int:
        return len(self.arms) + (0 if self.has_default or not self.conditional else 1)


@dataclass
class Removed:
    """A block tag or comment: not output, but no span may run across it either."""

    start: int
    end: int


Node = tuple[int, int] | Output | Block | Removed


@dataclass
class Variant:
    layer: Layer
    branches: list[str]  # how this variant chose: "{% if refund %} (line 6) → {% else %}"


@dataclass
class _Tag:
    start: int
    end: int
    kind: Literal["output", "open", "arm", "close", "drop", "raw"]
    name: str
    text: str


# --- tokenizing -----------------------------------------------------------------------


def _classify_jinja(token: str) -> tuple[str, str]:
    if token.startswith("{#"):
        return "drop", ""
    if token.startswith("{{"):
        return "output", token[2:-2].strip(" -\t\n")
    body = token[2:-2].strip(" -\t\n")
    name = _first_word(body)
    if name in ("raw", "comment", "verbatim"):
        return "raw", name
    if name in _CONDITIONAL:
        return "open", name
    if name in _TRANSPARENT or (name == "set" and "=" not in body):
        return "open", name
    if name in _ARM_TAGS:
        return "arm", name
    if name.startswith("end"):
        return "close", name[3:]
    return "drop", name  # set, include, extends, assign, increment, liquid `#` comments…


def _classify_handlebars(token: str) -> tuple[str, str]:
    if token.startswith("{{{"):
        return "output", token[3:-3].strip(" ~\t\n")
    body = token[2:-2].strip(" ~\t\n")
    if body.startswith("!"):
        return "drop", ""
    if body.startswith(("#>", "#*")):
        return "open", body[2:].split()[0] if body[2:].split() else ""
    if body.startswith("#"):
        return "open", _first_word(body[1:].strip())
    if body.startswith("^"):
        rest = body[1:].strip()
        return ("open", "^" + rest.split()[0]) if rest else ("arm", "else")
    if body.startswith("/"):
        return "close", body[1:].strip().split()[0] if body[1:].strip() else ""
    if body == "else":
        return "arm", "else"
    if body.startswith("else "):  # {{else if x}}: another arm, not a default
        return "arm", "elif"
    if body.startswith("="):
        return "drop", "="  # a delimiter change: reported, the rest is read as text
    if body.startswith(">"):
        return "drop", ""
    return "output", body.lstrip("&").strip()


def _first_word(text: str) -> str:
    m = _WORD.match(text)
    return m.group(0) if m else ""


class _Closers:
    """The first ``closer`` at or after an offset. Whether there is one at all is known
    from its last occurrence, so an opener with none after it costs nothing; a search that
    finds one stops at the end of the tag it closes."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.last: dict[str, int] = {}

    def find(self, closer: str, pos: int) -> int:
        if closer not in self.last:
            self.last[closer] = self.source.rfind(closer)
        return self.source.find(closer, pos) if self.last[closer] >= pos else -1


def _tag_end(source: str, start: int, family: Family, closers: _Closers) -> int:
    """Where the tag whose opener is at ``start`` ends: after its closer, or after the
    two-character opener when it is never closed."""
    for opener, closer in _CLOSERS[family]:
        if source.startswith(opener, start):
            found = closers.find(closer, start + len(opener))
            if found != -1:
                return found + len(closer)
    return start + 2


def find_tags(source: str, family: Family) -> tuple[list[_Tag], list[Problem]]:
    tags: list[_Tag] = []
    problems: list[Problem] = []
    opens = _OPENER[family]
    classify = _classify_jinja if family == "jinja" else _classify_handlebars
    closers = _Closers(source)
    no_raw_end = len(source) + 1  # from here on no end of a raw block follows
    pos = 0
    while (m := opens.search(source, pos)) is not None:
        start = m.start()
        end = _tag_end(source, start, family, closers)
        token = source[start:end]
        if len(token) <= 3 and not token.endswith(("}}", "%}", "#}")):
            line_end = source.find("\n", start)
            line_end = len(source) if line_end == -1 else line_end
            closer = {"{{": "}}", "{%": "%}", "{#": "#}"}.get(token[:2], "}}")
            problems.append(Problem(f"unclosed tag: '{token[:2]}' without '{closer}'",
                                    start, end))
            # Treat the rest of the line as the broken tag and go on with the next line.
            tags.append(_Tag(start, line_end, "drop", "", source[start:line_end]))
            pos = line_end
            continue
        kind, name = classify(token)
        if name == "=" and family == "handlebars":
            problems.append(Problem("custom delimiters ({{=<% %>=}}) are not supported; "
                                    "the rest of the file is read with {{ }}",
                                    start, end))
        if kind == "raw":
            end_match = _RAW_END.search(source, end) if end < no_raw_end else None
            if end_match is None:
                no_raw_end = min(no_raw_end, end)  # so later raw blocks need not look
                problems.append(Problem(f"'{{% {name} %}}' is never closed", start, end))
                tags.append(_Tag(start, end, "drop", name, token))
                pos = end
                continue
            tags.append(_Tag(start, end, "drop", name, token))
            if name != "comment":
                tags.append(_Tag(end, end_match.start(), "raw", name, ""))
            tags.append(_Tag(end_match.start() if name != "comment" else end,
                             end_match.end(), "drop", "end" + name, end_match.group(0)))
            pos = end_match.end()
            continue
        tags.append(_Tag(start, end, kind, name, token))  # type: ignore[arg-type]
        pos = end
    return tags, problems


# --- the block tree -------------------------------------------------------------------


_BLANKS_TO_LINE_END = re.compile(r"[^\S\n]*(?:\n|\Z)")


def _standalone(source: str, start: int, end: int) -> tuple[int, int]:
    """A tag alone on its line removes the whole line, newline included. Only the blanks
    around the tag are read: reading its whole line for each tag on it made a long line
    of tags quadratic."""
    line_start = start
    while line_start and source[line_start - 1] != "\n" and source[line_start - 1].isspace():
        line_start -= 1
    after = _BLANKS_TO_LINE_END.match(source, end)
    if (line_start and source[line_start - 1] != "\n") or after is None:
        return start, end
    return line_start, after.end()


class _LineNumbers:
    """Line numbers of offsets that only grow, each counted on from the last one."""

    def __init__(self, source: str) -> None:
        self.source, self.offset, self.line = source, 0, 1

    def at(self, offset: int) -> int:
        if offset < self.offset:
            self.offset, self.line = 0, 1
        self.line += self.source.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


def _short(tag: str) -> str:
    tag = " ".join(tag.split())
    return tag if len(tag) <= 40 else tag[:37] + "…"


def _else_of(nodes: list[Node], name: str, source: str) -> Block | None:
    """The section an inverted section on the same key right after it completes (or the
    inverted section a section completes), if ``name`` opens one: nothing but blank text
    between them."""
    inverted = name.startswith("^")
    for node in reversed(nodes):
        if isinstance(node, Removed) or (isinstance(node, tuple)
                                         and not source[node[0]:node[1]].strip()):
            continue
        if (isinstance(node, Block) and node.name == name.lstrip("^")
                and node.inverted != inverted and len(node.arms) == 1):
            return node
        return None
    return None


def parse(source: str, syntax: str) -> tuple[list[Node], list[Problem]]:
    family = FAMILY[syntax]
    tags, problems = find_tags(source, family)
    lines = _LineNumbers(source)
    root: list[Node] = []
    stack: list[Block] = []

    def current() -> list[Node]:
        return stack[-1].arms[-1].nodes if stack else root

    cursor = 0
    for tag in tags:
        start, end = tag.start, tag.end
        if tag.kind in ("open", "arm", "close", "drop"):
            start, end = _standalone(source, start, end)
            start = max(start, cursor)
        if start > cursor:
            current().append((cursor, start))
        if end > cursor and tag.kind not in ("output", "raw"):
            current().append(Removed(max(start, cursor), end))
        cursor = max(cursor, end)
        if tag.kind == "raw":
            current().append((tag.start, tag.end))
        elif tag.kind == "output":
            current().append(Output(tag.start, tag.end, tag.text))
        elif tag.kind == "open":
            partner = _else_of(current(), tag.name, source)
            if partner is not None:
                # {{#x}}…{{/x}}{{^x}}…{{/x}}: the inverted section is the section's else
                # (and the other way round), so exactly one of the two is shown.
                partner.arms.append(Arm(_short(tag.text)))
                partner.conditional = partner.has_default = True
                stack.append(partner)
                continue
            conditional = (tag.name in _CONDITIONAL if family == "jinja"
                           else tag.name in _HBS_CONDITIONAL or tag.name.startswith("^")
                           or (syntax == "mustache"))
            block = Block(tag.name.lstrip("^"), tag.start, tag.end, lines.at(tag.start),
                          conditional, [Arm(_short(tag.text))],
                          inverted=tag.name.startswith("^"))
            current().append(block)
            stack.append(block)
        elif tag.kind == "arm":
            if not stack:
                problems.append(Problem(f"'{_short(tag.text)}' outside any block",
                                        tag.start, tag.end))
                continue
            block = stack[-1]
            if block.name == "case" and len(block.arms) == 1 and all(
                    isinstance(n, Removed) or (isinstance(n, tuple)
                                               and not source[n[0]:n[1]].strip())
                    for n in block.arms[0].nodes):
                block.arms[0] = Arm(_short(tag.text))  # the first {% when %} opens arm 1
                continue
            if block.name in ("for", "each"):  # a loop's else: runs when it is empty
                block.conditional = True
            if tag.name in ("else", "empty"):
                block.has_default = True
            block.arms.append(Arm(_short(tag.text)))
        elif tag.kind == "close":
            if not stack or (tag.name and tag.name != stack[-1].name):
                expected = f"; '{stack[-1].arms[0].label}' is still open" if stack else ""
                problems.append(Problem(f"unexpected closing tag '{_short(tag.text)}'{expected}",
                                        tag.start, tag.end))
                continue
            stack.pop()
    if cursor < len(source):
        current().append((cursor, len(source)))
    for block in stack:
        problems.append(Problem(f"'{block.arms[0].label}' is never closed",
                                block.start, block.end))
    return root, problems


# --- stand-ins ------------------------------------------------------------------------

# Ordered: the first group whose words appear in the placeholder's expression wins.
_STAND_INS: list[tuple[frozenset[str], str]] = [
    (frozenset({"email", "mail"}), "help@example.com"),
    (frozenset({"url", "link", "href", "uri", "page"}), "https://status.example.com"),
    (frozenset({"phone", "tel", "telephone", "mobile"}), "+1 555 0100"),
    (frozenset({"amount", "credit", "refund", "price", "cost", "fee", "total", "sum",
                "balance", "charge"}), "$12"),
    (frozenset({"count", "number", "num", "percent", "pct", "minutes", "hours", "days",
                "qty", "quantity", "size", "n", "affected", "delay"}), "12"),
    (frozenset({"timezone", "tz", "zone"}), "UTC"),
    (frozenset({"date", "day"}), "March 3"),
    (frozenset({"time", "eta", "hour", "at", "start", "started", "end", "ended", "since",
                "until", "updated", "resolved", "timestamp", "datetime", "next", "when",
                "deadline"}), "14:00 UTC"),
    (frozenset({"first", "firstname", "fname", "given"}), "Alex"),
    (frozenset({"company", "org", "organization", "organisation", "account", "workspace",
                "tenant", "brand", "team", "service", "product", "plan", "feature", "app",
                "system", "component", "region", "site", "platform"}), "Northwind"),
    (frozenset({"name", "customer", "client", "user", "recipient", "contact", "agent",
                "owner", "author", "sender", "signer", "person", "manager", "lead"}),
     "Alex Morgan"),
    (frozenset({"id", "ref", "reference", "ticket", "case", "order", "invoice", "last4"}),
     "1042"),
]
_DEFAULT_STAND_IN = "Northwind"
_SPLIT_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def stand_in(expression: str) -> str:
    """A neutral value for a placeholder, picked from the words of its expression."""
    # Filters and helper arguments say little about the value; look at the variable.
    head = expression.split("|")[0]
    words = {w.lower() for w in _SPLIT_WORDS.findall(head)}
    for keys, value in _STAND_INS:
        if words & keys:
            return value
    return _DEFAULT_STAND_IN


# --- variants -------------------------------------------------------------------------


def _blocks(nodes: list[Node]) -> list[Block]:
    """Every block in ``nodes`` and in their arms, parents before their children. Walked
    with a list, not recursion: a template may nest deeper than Python's stack allows."""
    found: list[Block] = []
    pending = [n for n in reversed(nodes) if isinstance(n, Block)]
    while pending:
        block = pending.pop()
        found.append(block)
        for arm in reversed(block.arms):
            pending += [n for n in reversed(arm.nodes) if isinstance(n, Block)]
    return found


def _arms_to_cover(nodes: list[Node]) -> set[tuple[int, int]]:
    """``(id(block), arm)`` of every arm of every conditional block, and of the empty arm
    of one without an else."""
    return {(id(block), arm) for block in _blocks(nodes) if block.conditional
            for arm in range(block.choices())}


class _VariantWriter:
    """Writes one variant, choosing at each conditional block the arm that covers the
    most arms not linted yet (ties: the first arm, so variant one is the usual path)."""

    def __init__(self, source: str, nodes: list[Node], todo: set[tuple[int, int]]) -> None:
        self.builder = TextBuilder(source)
        self.branches: list[str] = []
        self.todo = todo
        # The arms not linted yet inside each block, itself included, counted once per
        # variant, children first (counting them afresh at every choice was cubic in the
        # depth of nested blocks). A block's count cannot change before it is chosen:
        # only choices inside it discard its arms.
        self.inside: dict[int, int] = {}
        for block in reversed(_blocks(nodes)):
            self.inside[id(block)] = sum(
                (id(block), arm) in todo for arm in range(len(block.arms) + 1)) + sum(
                self.inside[id(n)] for arm in block.arms for n in arm.nodes
                if isinstance(n, Block))

    def _uncovered(self, block: Block, arm: int) -> int:
        count = int((id(block), arm) in self.todo)
        if arm < len(block.arms):
            count += sum(self.inside[id(n)] for n in block.arms[arm].nodes
                         if isinstance(n, Block))
        return count

    def emit(self, nodes: list[Node]) -> None:
        pending = list(reversed(nodes))  # a stack, not recursion, as in ``_blocks``
        while pending:
            node = pending.pop()
            if isinstance(node, tuple):
                self.builder.keep(*node)
            elif isinstance(node, Output):
                self.builder.put(stand_in(node.expression), node.start, node.end, mask=True)
            elif isinstance(node, Removed):
                # A masked space: the sentence reads on, but a finding stops here.
                self.builder.put(" ", node.start, node.end, mask=True)
            elif not node.conditional:
                for arm in reversed(node.arms):
                    pending += reversed(arm.nodes)
            else:
                choice = self._choose(node)
                if choice < len(node.arms):
                    pending += reversed(node.arms[choice].nodes)

    def _choose(self, block: Block) -> int:
        choice = max(range(block.choices()), key=lambda i: (self._uncovered(block, i), -i))
        self.todo.discard((id(block), choice))
        opening = f"{block.arms[0].label} (line {block.line})"
        if choice == 0:
            self.branches.append(f"{opening} taken")
        elif choice < len(block.arms):
            self.branches.append(f"{opening} → {block.arms[choice].label}")
        else:
            self.branches.append(f"{opening} → none of its branches")
        return choice


def variants(source: str, nodes: list[Node]) -> list[Variant]:
    """Messages the template can produce, together covering every arm of every block."""
    todo = _arms_to_cover(nodes)
    result: list[Variant] = []
    while True:
        writer = _VariantWriter(source, nodes, todo)
        writer.emit(nodes)
        text, offsets = writer.builder.build()
        result.append(Variant(Layer(text, offsets), writer.branches))
        if not todo or len(result) >= MAX_VARIANTS:
            return result
