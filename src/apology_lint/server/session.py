"""What the command line would do with a file, for a document open in an editor.

The configuration, the linter it builds, the syntax and the kind are found by the same
code as for ``apology-lint PATH`` (``config.Finder``, ``runner.LinterCache``,
``readers.syntax_for``, ``Config.kind_for``), so the editor and CI never disagree. A
linter (and the spaCy pipeline under it) is built once per distinct configuration and
reused for every lint after.

Everything here runs on the server's one lint thread: ``Finder`` and ``LinterCache`` keep
caches that are not meant to be shared between threads.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from pygls.uris import to_fs_path

from ..config import Config, Finder
from ..engine import Linter
from ..errors import ApologyLintError, describe
from ..models import ELEMENT_NAMES, Kind, Report
from ..readers import EXTENSIONS, SYNTAXES, Syntax, syntax_for
from ..rulespec import PresenceDetector, RuleSpec
from ..runner import LinterCache, Options
from ..sources import MAX_BYTES

log = logging.getLogger(__name__)

_WARM_UP = "Mistakes were made. We're sorry for the delay, but the issue is fixed."

# Editors' language ids for the syntaxes a file's extension does not name ("Untitled-1"
# in a Handlebars buffer, a template saved as .tpl). The extension wins when it names one.
LANGUAGE_IDS: dict[str, Syntax] = {
    "plaintext": "text", "markdown": "markdown", "html": "html", "email": "eml",
    "eml": "eml", "jinja": "jinja", "jinja-html": "jinja", "jinja2": "jinja",
    "django-html": "jinja", "nunjucks": "jinja", "handlebars": "handlebars",
    "mustache": "mustache", "liquid": "liquid",
}


@dataclass(frozen=True)
class Target:
    """How one document is linted: as the file it is saved as, if any."""

    uri: str
    path: Path | None  # None: not a file (an unsaved buffer)
    syntax: Syntax
    name: str  # what the report calls it, and what picks a template's inner markup

    @classmethod
    def of(cls, uri: str, language_id: str | None) -> Target:
        fs_path = to_fs_path(uri) if uri.startswith("file:") else None
        path = Path(fs_path) if fs_path else None
        name = str(path) if path is not None else uri
        syntax = syntax_for(name)
        if path is None or path.suffix.lower() not in EXTENSIONS:
            syntax = LANGUAGE_IDS.get((language_id or "").lower(), syntax)
        assert syntax in SYNTAXES
        return cls(uri, path, syntax, name)


@dataclass
class Outcome:
    """One lint of one version of a document: a report, or why there is none."""

    uri: str
    version: int | None
    text: str
    target: Target
    report: Report | None = None
    error: str | None = None  # a configuration or input problem, shown at the top
    skipped: str | None = None  # not linted on purpose (excluded), said in the log
    rules: dict[str, RuleSpec] = field(default_factory=dict)
    # Rule id → the anatomy elements it reports missing (for related information).
    elements: dict[str, list[str]] = field(default_factory=dict)
    known_rules: frozenset[str] = frozenset()
    seconds: float = 0.0


class Session:
    """Configuration and linters for every document the server lints."""

    def __init__(self, config: Path | None = None, isolated: bool = False,
                 root: Path | None = None) -> None:
        self.forced = config
        self.isolated = isolated
        self.root = root
        self.reset()

    def reset(self) -> None:
        """Forget every configuration read and linter built (a configuration changed)."""
        self._finder: Finder | None = None
        self._linters = LinterCache(Options(paths=[], config=self.forced, isolated=self.isolated))

    def finder(self) -> Finder:
        if self._finder is None:  # reading a forced --config may fail: at first use
            self._finder = Finder(self.forced, self.isolated)
        return self._finder

    def config_for(self, target: Target) -> Config:
        if target.path is not None:
            return self.finder().for_file(target.path)
        # An unsaved buffer: the configuration of the workspace (or of where the
        # server was started), as for standard input without --stdin-filename.
        return self.finder().for_dir(self.root or Path.cwd())

    def linter_for(self, target: Target) -> tuple[Linter, Config]:
        config = self.config_for(target)
        return self._linters.for_config(config), config

    def warm(self) -> None:
        """Build the linter for the workspace's configuration now, so the first document
        opened does not wait for the pipeline to load."""
        started = time.perf_counter()
        linter = self._linters.for_config(self.finder().for_dir(self.root or Path.cwd()))
        # One lint loads what the first real one would otherwise wait for: the parts
        # model, and the shipped tables (syllables, verb forms).
        linter.lint(_WARM_UP, syntax="text")
        log.info("linter ready in %.1f s", time.perf_counter() - started)

    def lint(self, uri: str, version: int | None, text: str,
             language_id: str | None) -> Outcome:
        """Lint one version of a document. Never raises: a problem with the
        configuration or the input is the outcome's ``error``."""
        started = time.perf_counter()
        target = Target.of(uri, language_id)
        outcome = Outcome(uri, version, text, target)
        try:
            linter, config = self.linter_for(target)
            outcome.rules = {rule.id: rule for rule in linter.rules}
            outcome.known_rules = frozenset(linter.known_rules)
            outcome.elements = _missing_elements(linter.rules)
            if target.path is not None and config.settings.force_exclude and \
                    config.excluded(target.path):
                # What `apology-lint --force-exclude PATH` (pre-commit) does with it.
                outcome.skipped = f"{target.name} is excluded by {config.path}"
                return outcome
            if len(text) * 4 > MAX_BYTES and len(text.encode("utf-8", "surrogatepass")) \
                    > MAX_BYTES:
                outcome.error = (f"not linted: larger than {MAX_BYTES // 1_048_576} MB, "
                                 "the most apology-lint reads of one file")
                return outcome
            kind: Kind | None = (config.kind_for(target.path)
                                 if target.path is not None else None)
            outcome.report = linter.lint(text, kind=kind, path=target.name,
                                         syntax=target.syntax)
        except ApologyLintError as exc:  # the configuration, a rule pack, the pipeline
            outcome.error = str(exc)
        except Exception as exc:  # a bug: this document's error, never the server's end
            log.exception("could not lint %s", uri)
            outcome.error = (f"apology-lint could not lint this file ({describe(exc)}); "
                             "please report it")
        finally:
            outcome.seconds = time.perf_counter() - started
        return outcome


def _missing_elements(rules: list[RuleSpec]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for rule in rules:
        for detector in rule.detectors:
            if isinstance(detector, PresenceDetector) and detector.fact in ELEMENT_NAMES:
                found.setdefault(rule.id, []).append(detector.fact)
    return found
