"""``--fix`` and ``--diff``: the safe rewrites of a run (``fixes.py``) applied to the files.

A file is rewritten only when asked (``--fix``), atomically (a temporary file beside it,
then a rename, so an interrupted run never leaves half a file), with its permissions, and
only when writing the fixed text back as UTF-8 gives the same bytes as the file had for
everything the fixes did not touch: a file read in another encoding, or with a byte order
mark, is left alone and said so.
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass, field
from typing import cast

from .errors import InputError
from .fixes import fix, safe_fix_rules, unified_diff
from .readers import Syntax
from .runner import FileResult, RunResult
from .sources import read_bytes


@dataclass
class FixRun:
    fixed: dict[str, int] = field(default_factory=dict)  # path → rewrites applied
    diffs: list[str] = field(default_factory=list)  # --diff: one unified diff per file
    notes: list[str] = field(default_factory=list)  # files left alone, and why


def fix_run(result: RunResult, write: bool) -> FixRun:
    """Apply (``write``) or show the safe rewrites of every linted file."""
    safe = safe_fix_rules(result.rules)
    run = FixRun()
    for file in result.files:
        fixed = fix(file.source, cast(Syntax, file.report.syntax), file.report, safe_rules=safe,
                    path=file.path)
        if not fixed.applied:
            continue
        problem = _cannot_write(file) if write else None
        if problem:
            run.notes.append(f"{file.path}: not fixed: {problem}")
            continue
        if write:
            _replace(file.path, fixed.text)
        else:
            run.diffs.append(unified_diff(file.source, fixed.text, file.path))
        run.fixed[file.path] = len(fixed.applied)
    return run


def _cannot_write(file: FileResult) -> str | None:
    if file.path == "-":
        return "standard input is not a file; use --diff to see the rewrites"
    try:
        on_disk = read_bytes(file.path)
    except InputError as exc:  # it went away, or changed type, since it was linted
        return str(exc)
    if on_disk != file.source.encode("utf-8"):
        return ("it is not plain UTF-8 or it changed since it was linted; "
                "fix it by hand (--diff shows the rewrites)")
    return None


def _replace(path: str, text: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    mode = stat.S_IMODE(os.stat(path).st_mode)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".apology-lint-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
