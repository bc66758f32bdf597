"""YAML that may come from a pull request, loaded safely and within bounds.

Safe loading (no Python objects) is not enough for hostile YAML. Aliases let a few hundred
bytes stand for billions of nodes (the "billion laughs"): the loaded value stays small as
shared objects until something walks it (a repr in an error message, validation) and
expands it into gigabytes. And nesting thousands of levels deep overflows the stack: a
RecursionError in the pure-Python loader, a segmentation fault in libyaml's.

So the document's event stream, which the parser produces without recursion, is checked
first: how deep the nesting goes, and how many nodes the document would have with every
alias expanded. Only a document within both bounds is built. Rule packs, front matter
and the built-in rules all load through ``load_yaml``.
"""

from __future__ import annotations

from typing import Any

import yaml

# Safe loading (plain data, never Python objects), in C when libyaml is there.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Far above any real file (the largest built-in one has about 250 nodes and nests 9
# levels deep), far below what could exhaust memory or the stack.
MAX_NODES = 100_000
MAX_DEPTH = 64

_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


class YAMLLimitError(yaml.MarkedYAMLError):
    """The document is too deep or expands to too many nodes (``problem`` says which)."""


def load_yaml(text: str) -> Any:
    """The data in ``text``; ``yaml.YAMLError`` for invalid YAML and for a document
    past the bounds (``YAMLLimitError``), with ``problem`` and ``problem_mark`` set."""
    _check_bounds(text)
    return yaml.load(text, Loader=_SAFE_LOADER)


def _check_bounds(text: str) -> None:
    # The node count of each anchored node with its aliases expanded: an alias counts
    # as the whole node it repeats, which is what it becomes when the value is walked.
    expanded: dict[str, int] = {}
    # The collections being read, outermost first, as [anchor, nodes so far]; the
    # bottom entry counts the document itself.
    stack: list[list[Any]] = [[None, 0]]
    for event in yaml.parse(text, Loader=_SAFE_LOADER):
        if isinstance(event, _OPEN):
            if len(stack) > MAX_DEPTH:
                raise _error(f"nested more than {MAX_DEPTH} levels deep", event)
            stack.append([event.anchor, 1])
            continue
        if isinstance(event, _CLOSE):
            anchor, size = stack.pop()
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
        elif isinstance(event, yaml.AliasEvent):
            name = event.anchor or ""
            if any(frame[0] == name for frame in stack):
                raise _error(f"alias *{name} is inside the node it names (a structure "
                             "without end)", event)
            anchor, size = None, expanded.get(name, 1)  # undefined: the loader says so
        else:
            continue  # stream and document start and end
        if anchor is not None:
            expanded[anchor] = size
        stack[-1][1] += size
        if stack[-1][1] > MAX_NODES:
            raise _error(f"aliases expand the document past {MAX_NODES:,} nodes (an alias "
                         "bomb?)", event)


def _error(problem: str, event: yaml.Event) -> YAMLLimitError:
    # libyaml's events carry its own Mark class, with the same line and column.
    mark: Any = event.start_mark
    return YAMLLimitError(problem=problem, problem_mark=mark)
