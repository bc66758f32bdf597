"""Shared word lists (``rules/lexicons/*.yaml``), compiled once.

A lexicon is used two ways:

* as a regular-expression fragment (``{name}`` inside a rule's pattern, or
  ``Lexicons.regex(name)``) for matching sentence text;
* as a set of lower-case words (``$name`` inside a dependency pattern's ``IN`` list, or
  ``Lexicons.words(name)``) for matching tokens.

``verbs`` lexicons list lemmas; lemminflect expands them to every inflection, so the rules
never carry hand-written verb tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

from lemminflect import getAllInflections

from .errors import RuleError
from .rulespec import LexiconSpec, load_lexicon_files

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
FLAGS = re.IGNORECASE | re.MULTILINE


def inflections(phrase: str) -> set[str]:
    """Every form of a verb phrase: the first word is inflected, the rest kept."""
    first, _, rest = phrase.partition(" ")
    forms = {first}
    for variants in getAllInflections(first, upos="VERB").values():
        forms.update(variants)
    if "-" in first:  # "double-charge": inflect the last part
        head, _, last = first.rpartition("-")
        for variants in getAllInflections(last, upos="VERB").values():
            forms.update(f"{head}-{v}" for v in variants)
    return {f"{form} {rest}".strip().lower() for form in forms}


class Lexicon:
    def __init__(self, spec: LexiconSpec) -> None:
        self.spec = spec
        if spec.type == "verbs":
            terms: set[str] = set()
            for lemma in spec.terms:
                terms |= inflections(lemma)
            self.terms = sorted(terms, key=lambda t: (-len(t), t))
        else:
            self.terms = list(spec.terms)

    @cached_property
    def fragment(self) -> str:
        if self.spec.type == "patterns":
            parts = [f"(?:{t})" for t in self.terms]
        else:
            parts = [r"\b" + r"\s+".join(map(re.escape, t.split())) + r"\b" for t in self.terms]
        return "(?:" + "|".join(parts) + ")"

    @cached_property
    def regex(self) -> re.Pattern[str]:
        try:
            return re.compile(self.fragment, FLAGS)
        except re.error as exc:
            raise RuleError(f"lexicon '{self.spec.name}': invalid pattern: {exc}") from None

    @cached_property
    def words(self) -> frozenset[str]:
        if self.spec.type == "patterns":
            raise RuleError(f"lexicon '{self.spec.name}' holds patterns, not words")
        return frozenset(t.lower() for t in self.terms)


class Lexicons:
    """All lexicons of a rule set, by name."""

    def __init__(self, specs: dict[str, LexiconSpec]) -> None:
        self._lexicons = {name: Lexicon(spec) for name, spec in specs.items()}

    @classmethod
    def from_folder(cls, folder: Path, extend: dict[str, list[str]] | None = None) -> Lexicons:
        """Load a folder of lexicons, adding ``extend``'s terms to the named lexicons."""
        specs = load_lexicon_files(folder)
        for name, terms in (extend or {}).items():
            if name not in specs:
                raise RuleError(f"cannot extend unknown lexicon '{name}'")
            spec = specs[name]
            specs[name] = spec.model_copy(update={"terms": [*spec.terms, *terms]})
        return cls(specs)

    def names(self) -> Iterable[str]:
        return self._lexicons.keys()

    def get(self, name: str) -> Lexicon:
        try:
            return self._lexicons[name]
        except KeyError:
            raise RuleError(f"unknown lexicon '{name}'") from None

    def regex(self, name: str) -> re.Pattern[str]:
        return self.get(name).regex

    def words(self, name: str) -> frozenset[str]:
        return self.get(name).words

    def compile(self, pattern: str, where: str) -> re.Pattern[str]:
        """Compile a rule's pattern, expanding ``{lexicon}`` placeholders."""

        def expand(match: re.Match[str]) -> str:
            return self.get(match.group(1)).fragment

        try:
            return re.compile(_PLACEHOLDER.sub(expand, pattern), FLAGS)
        except re.error as exc:
            raise RuleError(f"{where}: invalid pattern {pattern!r}: {exc}") from None
        except RuleError as exc:
            raise RuleError(f"{where}: {exc}") from None
