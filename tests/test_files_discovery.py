"""Which files a walk finds, and which settings each gets: the globs of a configuration
(``exclude``, ``extend-exclude``, ``kinds``) are compiled once into regular expressions
(``config.Globs``), and checked here against straightforward references over random
paths and globs, on a nested tree, and for the work they do per file."""

from __future__ import annotations

import cProfile
import fnmatch
import pstats
import re
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from apology_lint.config import Finder, Globs, matches
from apology_lint.files import expand

# --- references: the globs as the documentation describes them ---------------------------


def ref_segment(name: str, segment: str) -> bool:
    """One segment of a glob with '/': '*' any characters, '?' one, anything else
    itself ('[' too)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in segment)
    return re.fullmatch(regex, name, re.DOTALL) is not None


def ref_path(parts: Sequence[str], glob: str) -> bool:
    """A glob with '/', name by name: '**' as a whole segment is any run of names (a
    trailing one: at least one name, what is inside the folder), elsewhere it is '*'."""
    segments = glob.rstrip("/").split("/")
    if segments[-1] == "**":
        segments[-1:] = ["*", "**"]

    @cache
    def at(i: int, j: int) -> bool:  # parts[i:] against segments[j:]
        if j == len(segments):
            return i == len(parts)
        if segments[j] == "**":
            return at(i, j + 1) or (i < len(parts) and at(i + 1, j))
        return i < len(parts) and ref_segment(parts[i], segments[j]) and at(i + 1, j + 1)
    return at(0, 0)


def ref_matches(parts: Sequence[str], glob: str) -> bool:
    """``kinds``: a bare name is ``PurePosixPath.match`` (the last name, fnmatch)."""
    bare = glob.rstrip("/")
    return PurePosixPath(*parts).match(bare) if "/" not in bare else ref_path(parts, bare)


def ref_first(parts: Sequence[str], globs: Sequence[str]) -> int | None:
    """``kinds``: the first glob that matches wins."""
    for index, glob in enumerate(globs):
        if ref_matches(parts, glob):
            return index
    return None


def ref_excluded(rel: Sequence[str] | None, given: Sequence[str],
                 globs: Sequence[str]) -> bool:
    """``exclude``, pattern by pattern: a bare name (fnmatch) matches any name of the
    path, a glob with '/' the path from the configuration's folder (if it is inside)."""
    for pattern in globs:
        bare = pattern.rstrip("/")
        if "/" not in bare:
            if any(fnmatch.fnmatchcase(part, bare) for part in
                   (rel if rel is not None else given)):
                return True
        elif rel is not None and ref_path(rel, bare):
            return True
    return False


def outcome(function: Callable[..., object], *args: object) -> object:
    """What a call returns, or the exception it raises (``PurePosixPath.match`` refuses
    an empty pattern, and so must ``kinds``)."""
    try:
        return function(*args)
    except ValueError as exc:
        return ("ValueError", str(exc))


# --- random paths and globs ----------------------------------------------------------------

# Names as a filesystem may hold them (no '/' and no NUL), with glob characters in them.
NAME = st.text(alphabet="ab.-[]!*?é\n", min_size=1, max_size=5).filter(
    lambda name: name not in (".", ".."))
PARTS = st.lists(NAME, max_size=5)
BARE = st.text(alphabet="ab.-[]!*?", max_size=6)  # fnmatch: [...] classes, [!...] too
SEGMENT = st.one_of(st.just("**"), st.text(alphabet="ab.-[*?", max_size=4))
PATH_GLOB = st.builds(lambda lead, segments, tail: lead + "/".join(segments) + tail,
                      st.sampled_from(["", "", "", "/"]),
                      st.lists(SEGMENT, min_size=2, max_size=5),
                      st.sampled_from(["", "", "/"]))
GLOB = st.one_of(BARE, PATH_GLOB)
PROPERTY = settings(max_examples=600, deadline=None)


@PROPERTY
@given(PARTS, GLOB)
@example(["a", "b"], "**/a/**/b")
@example(["x", "a"], "x/**")
@example(["x"], "x/**")
@example(["a"], "")
@example([], ".")
@example(["ab"], "*a*a*b")
@example(["aab", "b"], "*/**/b")
def test_one_glob_matches_as_the_reference(parts: list[str], glob: str) -> None:
    assert outcome(matches, PurePosixPath(*parts), glob) == outcome(ref_matches, parts, glob)


@PROPERTY
@given(st.lists(NAME, min_size=1, max_size=4), st.sampled_from(["*", "?", "**", "*/*"]))
def test_a_glob_on_an_absolute_path_matches_as_the_reference(parts: list[str],
                                                             glob: str) -> None:
    path = PurePosixPath("/", *parts)
    assert matches(path, glob) == ref_matches(path.parts, glob)


@PROPERTY
@given(PARTS, st.lists(GLOB, max_size=8))
def test_kinds_take_the_first_glob_that_matches(parts: list[str], globs: list[str]) -> None:
    assert outcome(Globs(globs).first, parts) == outcome(ref_first, parts, globs)


@PROPERTY
@given(st.one_of(st.none(), PARTS), st.lists(NAME, max_size=4), st.lists(GLOB, max_size=8))
def test_excludes_match_as_pattern_by_pattern(rel: list[str] | None, given_parts: list[str],
                                              globs: list[str]) -> None:
    assert Globs(globs).excluded(rel, given_parts) == ref_excluded(rel, given_parts, globs)


@PROPERTY
@given(st.one_of(st.none(), PARTS), st.lists(NAME, max_size=4), NAME,
       st.lists(GLOB, max_size=8))
def test_excludes_for_a_folder_are_excludes_for_its_files(
        rel: list[str] | None, folder: list[str], name: str, globs: list[str]) -> None:
    """The walk matches what a folder's path contributes once, then each name in it."""
    excluded = Globs(globs).excluded_in(rel, folder)
    whole = None if rel is None else [*rel, name]
    assert excluded(name) == ref_excluded(whole, [*folder, name], globs)


def test_many_globs_in_one_expression() -> None:
    """Hundreds of globs of every kind, duplicates too, in one expression each."""
    globs = [g for i in range(300) for g in (f"d{i}", f"w{i}-*.txt", f"a/{i}/**",
                                             f"**/x{i}/*.md", "dup*")]
    compiled = Globs(globs)
    for parts in (["d299"], ["q", "w17-a.txt"], ["a", "5", "b"], ["a", "5"],
                  ["m", "x12", "y.md"], ["m", "x12", "y.txt"], ["dupe"], ["zz"]):
        assert compiled.first(parts) == ref_first(parts, globs)
        assert compiled.excluded(parts, parts) == ref_excluded(parts, parts, globs)


# --- a nested tree ------------------------------------------------------------------------

BAD = "We apologize for any inconvenience.\n"


def tree(root: Path) -> None:
    def write(name: str, text: str = BAD) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    (root / ".git").mkdir(parents=True)
    write(".gitignore", "*.tmp.txt\nscratch/\n")
    write("pyproject.toml", """\
[tool.apology-lint]
extend-exclude = ["drafts", "*.bak.txt", "archive/**", "**/old-*.txt", "t[12]/x-?.txt",
                  "notes/*/wip/"]
[tool.apology-lint.kinds]
"status/**" = "update"
"*-apology.txt" = "apology"
"notes/*/final.txt" = "resolution"
"status/*-apology.txt" = "resolution"
""")
    for name in ("README.md", "a.txt", "a.bak.txt", "a.tmp.txt", "old-a.txt", "b-apology.txt",
                 "status/s.txt", "status/s-apology.txt", "status/deep/old-s.txt",
                 "status/deep/t.md", "drafts/d.txt", "t1/drafts/d.txt", "t1/x-1.txt",
                 "t1/x-12.txt", "t3/x-1.txt", "archive/z.txt", "t2/archive/z.txt",
                 "notes/n/final.txt", "notes/n/wip/w.txt", "notes/n/other.txt",
                 "scratch/s.txt", "node_modules/m.txt", "skip.py",
                 "sub/README.md", "sub/keep-1.txt", "sub/k.txt", "sub/drafts/d.txt",
                 "sub/status/s.txt"):
        write(name)
    # A nested configuration: its own excludes (the defaults replaced), no kinds.
    write("sub/.apology-lint.toml", 'exclude = ["keep-*.txt"]\n')
    (root / "links").mkdir()
    (root / "links" / "alias.txt").symlink_to(Path("..", "status", "s.txt"))
    (root / "links" / "to-draft.txt").symlink_to(Path("..", "drafts", "d.txt"))
    (root / "links" / "zz-out.txt").symlink_to(root.parent / "outside.txt")
    (root.parent / "outside.txt").write_text(BAD)


def test_a_nested_tree_with_excludes(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    tree(root)
    finder = Finder()
    targets = list(expand([str(root)], finder))
    found = []
    for target in targets:
        path = Path(target.path)
        kind = finder.for_file(path).kind_for(path) if target.error is None else None
        found.append((path.relative_to(root).as_posix(), target.error is not None, kind))
    # Files of a folder before its folders, each in name order.
    assert found == [
        ("a.txt", False, None),
        ("b-apology.txt", False, "apology"),
        ("links/alias.txt", False, "update"),  # where it leads: status/s.txt
        # links/to-draft.txt leads into drafts: excluded
        ("links/zz-out.txt", True, None),  # out of the folder: an error, never read
        ("notes/n/final.txt", False, "resolution"),
        ("notes/n/other.txt", False, None),
        ("status/s-apology.txt", False, "update"),  # the first glob that matches wins
        # status/s.txt: the same file as links/alias.txt, linted once
        ("status/deep/t.md", False, "update"),
        ("sub/README.md", False, None),  # sub's exclude replaces the defaults
        ("sub/k.txt", False, None),
        ("sub/drafts/d.txt", False, None),
        ("sub/status/s.txt", False, None),  # sub's configuration has no kinds
        ("t1/x-1.txt", False, None),  # in a glob with '/', '[' is itself
        ("t1/x-12.txt", False, None),
        ("t2/archive/z.txt", False, None),  # archive/** is from the configuration's folder
        ("t3/x-1.txt", False, None),
    ]


def test_a_walk_below_the_configuration_and_a_named_file(tmp_path: Path) -> None:
    """A folder walked below its configuration's folder: globs with '/' still count from
    the configuration's folder; a named file is linted unless force-exclude."""
    root = tmp_path / "repo"
    tree(root)
    walked = [Path(t.path).relative_to(root).as_posix()
              for t in expand([str(root / "status"), str(root / "t1")], Finder())]
    assert walked == ["status/s-apology.txt", "status/s.txt", "status/deep/t.md",
                      "t1/x-1.txt", "t1/x-12.txt"]
    assert list(expand([str(root / "archive")], Finder())) == []
    draft = str(root / "archive" / "z.txt")
    assert [t.path for t in expand([draft], Finder())] == [draft]
    assert list(expand([draft], Finder(), force_exclude=True)) == []


# --- the work per file ----------------------------------------------------------------------


def _calls(root: Path) -> dict[str, int]:
    """How often each glob matcher is called while walking ``root``."""
    profile = cProfile.Profile(builtins=True)
    profile.enable()
    targets = list(expand([str(root)], Finder()))
    profile.disable()
    assert len(targets) == 100
    counts = {"regex": 0, "fnmatch": 0, "PurePath.match": 0, "match_sequence": 0}
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    for (file, _, function), (_, calls, *_) in stats.items():
        if function in ("<method 'match' of 're.Pattern' objects>",
                        "<method 'fullmatch' of 're.Pattern' objects>",
                        "<method 'search' of 're.Pattern' objects>"):
            counts["regex"] += calls
        elif function in ("fnmatch", "fnmatchcase") and file.endswith("fnmatch.py"):
            counts["fnmatch"] += calls
        elif function == "match" and file.endswith("pathlib.py"):
            counts["PurePath.match"] += calls
        elif function == "match_sequence":
            counts["match_sequence"] += calls
    return counts


@pytest.mark.parametrize("respect_gitignore", ["true", "false"])
def test_matching_calls_per_file_do_not_grow_with_the_globs(tmp_path: Path,
                                                            respect_gitignore: str) -> None:
    """One regular expression for each kind of glob: a file costs the same few matches
    with 10 exclude globs as with 300. (Matched pattern by pattern, the walk of these 100
    files made 10,000 fnmatch calls with 10 globs, 75,000 with 300.)"""
    counts = []
    for globs in (10, 300):
        root = tmp_path / f"g{globs}"
        (root / ".git").mkdir(parents=True)
        (root / ".gitignore").write_text("*.tmp.txt\n")
        patterns = [p for i in range(globs // 3 + 1)
                    for p in (f"drafts-{i}", f"draft-{i}-*.txt", f"archive/{i}/**")][:globs]
        (root / ".apology-lint.toml").write_text(
            f"respect-gitignore = {respect_gitignore}\nextend-exclude = ["
            + ", ".join(f'"{p}"' for p in patterns) + "]\n")
        for i in range(100):
            folder = root / f"f{i % 5}" / f"g{i % 3}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"m{i}.txt").write_text(BAD)
        counts.append(_calls(root))
    few, many = counts
    assert few == many, counts
    assert few["fnmatch"] == few["PurePath.match"] == few["match_sequence"] == 0, few
    # A name, a path and (with .gitignore) a pattern of it per file, and a few per folder.
    assert few["regex"] <= 5 * 100, few
