"""Which files to lint: paths, folders walked, globs, excludes and ``.gitignore``.

A folder is walked for the extensions apology-lint reads (templates, HTML, Markdown,
email, text); symbolic links to folders are not followed, so a link loop cannot trap the
walk. A file named on the command line is always linted unless ``force-exclude`` is set
(for pre-commit, which names every changed file); files found by walking are filtered by
``exclude`` and by the ``.gitignore`` files of the repository.

What is walked comes from pull requests, so it is hostile input. A walk (or a glob's
expansion) never leaves the folder it starts from: a link to a file is followed only when
the file is inside that folder, so a committed ``notes.txt -> ~/.git-credentials`` is not
read. A file named on the command line is the user's choice and is read wherever it is.
What cannot be walked or linted (an unreadable folder, one nested absurdly deep, a link
out of the folder, a name that cannot be printed on one line) is not skipped in silence:
it becomes a ``Target`` with an ``error``, reported in one line (exit 2) while the run
goes on with the rest. Which files are regular files is checked when they are read
(``sources.read_bytes``).
"""

from __future__ import annotations

import fnmatch
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from .config import Finder, match_sequence
from .errors import InputError, one_line
from .readers import EXTENSIONS
from .sources import read_bytes

_GLOB_CHARS = set("*?[")

# Folders from the filesystem root. Configuration is looked up folder by folder, and no
# repository of messages is anywhere near this deep; a tree 1,000 levels deep is an attack.
MAX_DEPTH = 200

# '*' wildcards in one .gitignore pattern. pathspec turns each into a backtracking regex
# quantifier: with 3, the worst file name takes a tenth of a second per pattern; with 4,
# seconds; with 8, hours. A whole '**' folder segment counts once.
MAX_GITIGNORE_STARS = 3

_OUTSIDE = "symbolic link to a file outside the folder being linted, skipped; name the " \
           "file itself to lint it"

_Specs = list[tuple[Path, pathspec.GitIgnoreSpec]]


@dataclass(frozen=True)
class Target:
    path: str  # as it will be reported
    explicit: bool  # named on the command line (not found by walking)
    error: str | None = None  # why it cannot be linted: reported instead (exit 2)
    # Where the file really is, when the walk knows it: a file is linted once.
    real: str | None = field(default=None, compare=False, repr=False)


def _shown(path: str | Path) -> str:
    return one_line(str(path))


def _name_problem(path: str | Path) -> str | None:
    """Why a name cannot be reported as it is, if it cannot: every output (text, JSON,
    SARIF...) names the file, and must stay valid UTF-8 with one line per entry."""
    for char in str(path):
        category = unicodedata.category(char)
        if category == "Cs":  # how Python holds a byte that is not UTF-8
            return f"{_shown(path)}: the name is not valid UTF-8, skipped; rename it"
        if category in ("Cc", "Cf", "Zl", "Zp"):
            return (f"{_shown(path)}: the name has control or formatting characters, "
                    "skipped; rename it")
    return None


def _folders(root: Path) -> Iterator[tuple[Path, list[str], list[str]] | Target]:
    """Like ``os.walk(root)`` top-down (shorten the list of folders to skip some), except
    that links to folders are never entered, and what cannot be walked is a ``Target``
    with an error instead of being skipped in silence (os.walk ignores errors). Iterative,
    so depth is limited by MAX_DEPTH, not by the stack."""
    stack = [(root, len(Path(os.path.abspath(root)).parts))]
    while stack:
        folder, depth = stack.pop()
        problem = _name_problem(folder)
        if problem is None and depth > MAX_DEPTH:
            problem = (f"{folder}: folders nested more than {MAX_DEPTH} deep, not walked; "
                       "move the messages up or exclude the folder")
        if problem is not None:
            yield Target(str(folder), False, problem)
            continue
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
                dirs = [e.name for e in entries if e.is_dir(follow_symlinks=False)]
        except OSError as exc:
            yield Target(str(folder), False, f"{folder}: cannot read the folder "
                         f"({exc.strerror or exc}), its files were not linted; make it "
                         "readable or exclude it")
            continue
        folders = set(dirs)
        files = [e.name for e in entries if e.name not in folders]
        yield folder, dirs, files
        stack.extend((folder / name, depth + 1) for name in reversed(dirs))


def _real_file(path: Path, where: Path) -> Path | None:
    """Where the file at ``path`` really is (``where`` itself, the same object, unless it
    is a link), or None if there is nothing to lint: a broken link, a link loop, or a link
    to a folder."""
    if not path.is_symlink():
        return where
    try:
        real = Path(os.path.realpath(path, strict=True))
    except OSError:
        return None
    return None if real.is_dir() else real


def _contained(path: Path, real: Path, real_root: Path, explicit: bool) -> Target:
    """A file found in the folder ``real_root``: refused if it is a link that leads out."""
    # Both are resolved, so ``real.is_relative_to(real_root)``, on strings (it is per file).
    inside, root = str(real), str(real_root)
    if inside != root and not inside.startswith(root.rstrip("/") + "/"):
        return Target(str(path), explicit, f"{_shown(path)}: {_OUTSIDE}")
    return Target(str(path), explicit, _name_problem(path), inside)


_ESCAPED = re.compile(r"\\.")


def _stars(pattern: str) -> int:
    return sum(1 if segment == "**" else segment.count("*")
               for segment in _ESCAPED.sub("", pattern).split("/"))


class _GitIgnoreFiles:
    """The ``.gitignore`` files that apply in each folder of a walk: the folder's own and
    its parents' up to the repository root. Each file is read once, and only if it is a
    regular file of reasonable size; a pattern too slow to match is left out, with an error."""

    def __init__(self) -> None:
        self._chains: dict[Path, _Specs] = {}
        self._errors: list[Target] = []

    def for_folder(self, folder: Path) -> _Specs:
        """``folder`` is a real path (no links in it)."""
        pending: list[Path] = []
        current = folder
        while current not in self._chains:
            pending.append(current)
            if (current / ".git").exists() or current.parent == current:
                break
            current = current.parent
        chain = self._chains.get(current, [])
        for here in reversed(pending):
            spec = self._read(here / ".gitignore")
            chain = [(here, spec), *chain] if spec is not None else chain
            self._chains[here] = chain
        return self._chains[folder]

    def errors(self) -> list[Target]:
        """The errors found since the last call."""
        errors, self._errors = self._errors, []
        return errors

    def _read(self, path: Path) -> pathspec.GitIgnoreSpec | None:
        if not os.path.lexists(path):
            return None
        try:
            lines = read_bytes(str(path)).decode("utf-8", "replace").splitlines()
        except InputError as exc:
            self._errors.append(Target(str(path), False, f"{exc}; its patterns were not "
                                       "applied"))
            return None
        usable = []
        for number, line in enumerate(lines, 1):
            if line.startswith("#"):  # a comment ("# **** build ****") is no pattern
                continue
            if _stars(line) > MAX_GITIGNORE_STARS:
                self._errors.append(Target(str(path), False, (
                    f"{_shown(path)}:{number}: more than {MAX_GITIGNORE_STARS} '*' in one "
                    "pattern (matching it can take hours), pattern not applied; simplify it")))
                continue
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except (ValueError, re.error):  # git ignores a pattern it cannot use ('!')
                continue
            usable.append(line)
        return pathspec.GitIgnoreSpec.from_lines(usable)


def _ignored_in(real_folder: Path, specs: _Specs) -> Callable[[str, bool], bool]:
    """Whether ``.gitignore`` ignores a name in one folder (``real_folder``, where the
    folder really is), a folder's name or a file's: each file's path from its own folder
    is worked out once for the folder."""
    prefixed = []
    for base, spec in specs:
        try:
            rel = real_folder.relative_to(base).as_posix()
        except ValueError:
            continue
        prefixed.append(("" if rel == "." else rel + "/", spec))

    def ignored(name: str, is_dir: bool) -> bool:
        end = "/" if is_dir else ""
        return any(spec.match_file(prefix + name + end) for prefix, spec in prefixed)
    return ignored


def _walk(root: Path, finder: Finder) -> Iterator[Target]:
    real_root = Path(os.path.realpath(root))
    gitignore = _GitIgnoreFiles()
    for item in _folders(root):
        if isinstance(item, Target):
            yield item
            continue
        here, dirs, names = item
        config = finder.for_dir(here)
        # No link to a folder is entered, so this is where ``here`` really is.
        real_here = real_root.joinpath(*here.relative_to(root).parts)
        specs = gitignore.for_folder(real_here) if config.settings.respect_gitignore else []
        yield from gitignore.errors()
        # Both for the names here that are not links: what ``here`` contributes is
        # matched once, not again for each name.
        excluded = config.excluded_in(here, str(real_here))
        ignored = _ignored_in(real_here, specs)
        dirs[:] = [d for d in dirs if not excluded(d) and not ignored(d, True)]
        for name in names:
            path = here / name
            if path.suffix.lower() not in EXTENSIONS:
                continue
            where = real_here / name
            real = _real_file(path, where)
            if real is None:
                continue
            # A link is excluded (or not) by where it leads, as ``Config.excluded`` says.
            if (config.excluded(path) if real is not where else excluded(name)) or \
                    ignored(name, False):
                continue
            yield _contained(path, real, real_root, explicit=False)


def _shell_match(name: str, segment: str) -> bool:
    """One name against one segment of a command-line glob, as the shell does: ``[...]``
    classes too, and a hidden name only for a segment that starts with a dot. fnmatch
    translates ``*`` to a regular expression that does not backtrack."""
    if name.startswith(".") and not segment.startswith("."):
        return False
    return fnmatch.fnmatchcase(name, segment)


def _glob(pattern: str, finder: Finder) -> Iterator[Target]:
    """A glob from the command line (quoted, so the shell left it to us), expanded by our
    own walk rather than ``glob.glob``, which follows links to folders: two links to "."
    made it endless. The walk starts at the glob's leading folders without wildcards and,
    like any walk, does not leave them. A folder that matches is walked; a file that
    matches counts as named on the command line (``exclude`` does not apply to it)."""
    segments = pattern.split("/")
    fixed = 0
    while fixed < len(segments) - 1 and not _GLOB_CHARS & set(segments[fixed]):
        fixed += 1
    base = Path("/".join(segments[:fixed]) or ("/" if pattern.startswith("/") else "."))
    wild = [s for s in segments[fixed:] if s]
    if wild and wild[-1] == "**":  # what is inside, not the folder itself (as in config)
        wild[-1:] = ["*", "**"]
    if not wild or not base.is_dir():
        return
    # A folder on the way to a match has to match the segments before the first '**';
    # without '**', a match is no deeper than the glob has segments.
    head = wild[:wild.index("**")] if "**" in wild else wild[:-1]
    hidden_wanted = any(s.startswith(".") for s in wild)
    real_base = Path(os.path.realpath(base))
    for item in _folders(base):
        if isinstance(item, Target):
            yield item
            continue
        here, dirs, names = item
        rel = here.relative_to(base).parts
        real_here = real_base.joinpath(*rel)
        kept = []
        for d in dirs:
            parts = (*rel, d)
            if d.startswith(".") and not hidden_wanted:
                continue  # as the shell's '**': hidden folders are not searched
            if match_sequence(parts, wild, "**", _shell_match):
                yield from _walk(here / d, finder)
            elif ("**" in wild or len(parts) < len(wild)) and \
                    all(map(_shell_match, parts[:len(head)], head)):
                kept.append(d)
        dirs[:] = kept
        for name in names:
            path = here / name
            real = _real_file(path, real_here / name)
            if real is not None and match_sequence((*rel, name), wild, "**", _shell_match):
                yield _contained(path, real, real_base, explicit=True)


def _named(arg: str) -> Target:
    """A path named on the command line: the user's choice, so a link is followed wherever
    it leads (``read_bytes`` still reads only regular files). Problems of the path itself
    are found here, before the configuration for its folder is looked up."""
    problem = _name_problem(arg)
    if problem is not None:
        return Target(arg, True, problem)
    if len(Path(os.path.abspath(arg)).parts) > MAX_DEPTH:
        return Target(arg, True, f"{arg}: nested more than {MAX_DEPTH} folders deep, "
                                 "skipped; move it up")
    try:
        os.stat(arg)
    except FileNotFoundError:
        pass  # the reader reports it ("no such file"), like any unreadable input
    except OSError as exc:  # a link loop, a name too long, a folder that cannot be searched
        return Target(arg, True, f"{arg}: cannot read: {exc.strerror or exc}")
    return Target(arg, True)


def expand(paths: list[str], finder: Finder, force_exclude: bool = False) -> Iterator[Target]:
    """Every file to lint, in a stable order. Missing paths are passed through so the
    reader reports them (one line, exit 2), like any other unreadable input; so are the
    targets with an ``error``."""
    seen: set[str] = set()
    for arg in paths:
        if arg == "-":
            yield Target("-", True)
            continue
        found: Iterable[Target]
        if not os.path.exists(arg) and _GLOB_CHARS & set(arg):
            found = _glob(arg, finder)
        elif os.path.isdir(arg):
            found = _walk(Path(arg), finder)
        else:
            found = [_named(arg)]
        for target in found:
            if target.error is not None:
                yield target
                continue
            # The same file twice (a link to a file, or two arguments): lint it once.
            identity = target.real or os.path.realpath(target.path)
            if identity in seen:
                continue
            seen.add(identity)
            if target.explicit and os.path.exists(target.path):
                config = finder.for_file(Path(target.path))
                if (force_exclude or config.settings.force_exclude) and \
                        config.excluded(Path(target.path)):
                    continue
            yield target
