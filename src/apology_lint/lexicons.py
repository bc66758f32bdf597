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

import json
import re
import sys
import time
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import regex

from .errors import RuleError
from .rulespec import LexiconSpec, load_lexicon_files

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
FLAGS = re.IGNORECASE | re.MULTILINE
# How long one match may take once patterns come from the user (a rule pack, an extended
# pattern lexicon): past it, the pattern is reported as catastrophic backtracking.
PATTERN_TIMEOUT = 1.0
_TIMED = frozenset({"search", "match", "fullmatch", "finditer", "findall", "sub", "split"})


class PatternBudget:
    """The time all user patterns together may take, so that many slow matches (100
    sentences at 0.9 s each) stop the run as surely as one that never ends. It is a rate:
    ``ALLOWANCE`` seconds, plus ``PER_MATCH`` for every match run. A sound pattern takes
    microseconds a match and never comes near it, however long the run."""

    ALLOWANCE = 5.0
    PER_MATCH = 0.01

    def __init__(self) -> None:
        self.spent = 0.0
        self.matches = 0

    def charge(self, seconds: float, where: str) -> None:
        self.spent += seconds
        self.matches += 1
        if self.spent > self.ALLOWANCE + self.PER_MATCH * self.matches:
            raise RuleError(
                f"{where}: the rule packs' patterns have taken {self.spent:.0f} s over "
                f"{self.matches} matches, far more than sound patterns take (this one took "
                f"{seconds:.2f} s on one sentence); rewrite it without nested repetition")


# One budget per process: a CLI run, or each of its --jobs workers.
BUDGET = PatternBudget()


class GuardedPattern:
    """A pattern compiled with the ``regex`` engine, every match under a time limit.

    It has the methods of ``re.Pattern`` the rules use; a match that runs past
    ``PATTERN_TIMEOUT`` raises ``RuleError`` naming the pattern, instead of hanging.
    """

    def __init__(self, source: str, where: str) -> None:
        self._compiled = regex.compile(source, int(FLAGS))
        self._where = where

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._compiled, name)
        if name not in _TIMED:
            return method

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                result = method(*args, timeout=PATTERN_TIMEOUT, **kwargs)
                result = list(result) if name == "finditer" else result
                BUDGET.charge(time.perf_counter() - started, self._where)
                return result
            except TimeoutError:
                raise RuleError(
                    f"{self._where}: a pattern took more than {PATTERN_TIMEOUT:g} s on one "
                    "sentence (catastrophic backtracking, e.g. nested repetition like "
                    "'(a|aa)+'); rewrite it") from None

        return timed


def _compile(source: str, guarded: bool, where: str) -> re.Pattern[str]:
    if guarded:
        # Same interface as far as the rules go; checked by the tests on a rule pack.
        return cast(re.Pattern[str], GuardedPattern(source, where))
    return re.compile(source, FLAGS)


# Every form of the built-in verb lexicons' lemmas, generated from lemminflect by
# ``python -m apology_lint.lexicons`` (a test checks it is current), so a run does not
# have to load lemminflect (most of a second) unless someone adds verbs of their own.
VERB_FORMS_FILE = "verb-forms.json"


def inflections(phrase: str) -> set[str]:
    """Every form of a verb phrase: the first word is inflected, the rest kept."""
    from lemminflect import getAllInflections

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
    def __init__(self, spec: LexiconSpec, guarded: bool = False,
                 forms: dict[str, list[str]] | None = None) -> None:
        self.spec = spec
        self.guarded = guarded
        if spec.type == "verbs":
            terms: set[str] = set()
            for lemma in spec.terms:
                known = (forms or {}).get(lemma)
                terms |= set(known) if known is not None else inflections(lemma)
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
            return _compile(self.fragment, self.guarded, f"lexicon '{self.spec.name}'")
        except (re.error, regex.error) as exc:
            raise RuleError(f"lexicon '{self.spec.name}': invalid pattern: {exc}") from None

    @cached_property
    def words(self) -> frozenset[str]:
        if self.spec.type == "patterns":
            raise RuleError(f"lexicon '{self.spec.name}' holds patterns, not words")
        return frozenset(t.lower() for t in self.terms)


class Lexicons:
    """All lexicons of a rule set, by name."""

    def __init__(self, specs: dict[str, LexiconSpec], guarded: bool = False,
                 forms: dict[str, list[str]] | None = None) -> None:
        """``guarded``: some patterns come from the user, so every match runs on the
        ``regex`` engine under a time limit (``GuardedPattern``). ``forms``: verb forms
        already expanded, by lemma."""
        self.guarded = guarded
        self._lexicons = {name: Lexicon(spec, guarded, forms) for name, spec in specs.items()}

    @classmethod
    def from_folder(cls, folder: Path, extend: dict[str, list[str]] | None = None,
                    guarded: bool = False) -> Lexicons:
        """Load a folder of lexicons, adding ``extend``'s terms to the named lexicons.
        Extending a pattern lexicon makes the set guarded."""
        specs = load_lexicon_files(folder)
        for name, terms in (extend or {}).items():
            if name not in specs:
                raise RuleError(f"cannot extend unknown lexicon '{name}'")
            spec = specs[name]
            guarded = guarded or (spec.type == "patterns" and bool(terms))
            specs[name] = spec.model_copy(update={"terms": [*spec.terms, *terms]})
        forms_file = folder / VERB_FORMS_FILE
        forms = json.loads(forms_file.read_text(encoding="utf-8")) if forms_file.is_file() \
            else None
        return cls(specs, guarded, forms)

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
            return _compile(_PLACEHOLDER.sub(expand, pattern), self.guarded, where)
        except (re.error, regex.error) as exc:
            raise RuleError(f"{where}: invalid pattern {pattern!r}: {exc}") from None
        except RuleError as exc:
            raise RuleError(f"{where}: {exc}") from None


def verb_forms(folder: Path) -> dict[str, list[str]]:
    """The verb forms of every lemma in the folder's verb lexicons (for VERB_FORMS_FILE)."""
    lemmas = sorted({lemma for spec in load_lexicon_files(folder).values()
                     if spec.type == "verbs" for lemma in spec.terms})
    return {lemma: sorted(inflections(lemma)) for lemma in lemmas}


def main() -> int:
    """``python -m apology_lint.lexicons [FOLDER]``: regenerate the verb forms file."""
    from .resources import builtin_rules_dir

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else builtin_rules_dir() / "lexicons"
    (folder / VERB_FORMS_FILE).write_text(
        json.dumps(verb_forms(folder), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {folder / VERB_FORMS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
