"""Which files to lint: paths, folders walked, globs, excludes and ``.gitignore``.

A folder is walked for the extensions apology-lint reads (templates, HTML, Markdown,
email, text); symbolic links to folders are not followed, so a link loop cannot trap the
walk. A file named on the command line is always linted unless ``force-exclude`` is set
(for pre-commit, which names every changed file); files found by walking are filtered by
``exclude`` and by the ``.gitignore`` files of the repository.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from .config import Finder
from .readers import EXTENSIONS

_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class Target:
    path: str  # as it will be reported
    explicit: bool  # named on the command line (not found by walking)


def _gitignore_specs(folder: Path) -> list[tuple[Path, pathspec.GitIgnoreSpec]]:
    """The .gitignore files that apply in ``folder``: its own and its parents' up to the
    repository root."""
    specs = []
    current = folder.resolve()
    while True:
        ignore = current / ".gitignore"
        if ignore.is_file():
            try:
                lines = ignore.read_text(encoding="utf-8", errors="replace").splitlines()
                specs.append((current, pathspec.GitIgnoreSpec.from_lines(lines)))
            except OSError:
                pass
        if (current / ".git").exists() or current.parent == current:
            return specs
        current = current.parent


def _ignored(path: Path, specs: list[tuple[Path, pathspec.GitIgnoreSpec]]) -> bool:
    resolved = path.resolve()
    for base, spec in specs:
        try:
            rel = resolved.relative_to(base).as_posix()
        except ValueError:
            continue
        if spec.match_file(rel + ("/" if path.is_dir() else "")):
            return True
    return False


def _walk(root: Path, finder: Finder) -> Iterator[Path]:
    specs_cache: dict[Path, list[tuple[Path, pathspec.GitIgnoreSpec]]] = {}
    for folder, dirs, names in os.walk(root, followlinks=False):
        here = Path(folder)
        config = finder.for_dir(here)
        specs = specs_cache.setdefault(here, _gitignore_specs(here)
                                       if config.settings.respect_gitignore else [])
        dirs[:] = sorted(d for d in dirs
                         if not config.excluded(here / d) and not _ignored(here / d, specs))
        for name in sorted(names):
            path = here / name
            if path.suffix.lower() not in EXTENSIONS or (path.is_symlink() and not path.exists()):
                continue
            if config.excluded(path) or _ignored(path, specs):
                continue
            yield path


def expand(paths: list[str], finder: Finder, force_exclude: bool = False) -> Iterator[Target]:
    """Every file to lint, in a stable order. Missing paths are passed through so the
    reader reports them (one line, exit 2), like any other unreadable input."""
    seen: set[str] = set()
    for arg in paths:
        if arg == "-":
            yield Target("-", True)
            continue
        if not os.path.exists(arg) and _GLOB_CHARS & set(arg):
            matched = sorted(glob.glob(arg, recursive=True))
            found = [Target(m, True) for m in matched if os.path.isfile(m)]
            for m in matched:
                if os.path.isdir(m):
                    found += [Target(str(p), False) for p in _walk(Path(m), finder)]
        elif os.path.isdir(arg):
            found = [Target(str(p), False) for p in _walk(Path(arg), finder)]
        else:
            found = [Target(arg, True)]
        for target in found:
            # The same file twice (a glob through a symlinked folder): lint it once.
            identity = os.path.realpath(target.path)
            if identity in seen:
                continue
            seen.add(identity)
            if target.explicit and os.path.exists(target.path):
                config = finder.for_file(Path(target.path))
                if (force_exclude or config.settings.force_exclude) and \
                        config.excluded(Path(target.path)):
                    continue
            yield target
