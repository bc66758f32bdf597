"""Reading what the user asked to lint: files and standard input, as text.

Input problems (missing, unreadable, binary, not UTF-8, empty, too large) raise
``InputError`` with a one-line message; the command line reports it and goes on with the
other files. Files are only ever read.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

MAX_BYTES = 20 * 1024 * 1024  # a client message is kilobytes; past this, refuse clearly


@dataclass(frozen=True)
class Source:
    path: str  # as given on the command line ("-" for standard input)
    text: str


def decode(data: bytes, path: str, latin1_fallback: bool = False) -> str:
    """The file's text. ``latin1_fallback`` is for email, whose 8-bit parts may be in any
    charset: the email reader re-decodes them with the charset the part declares."""
    if len(data) > MAX_BYTES:
        raise InputError(
            f"{path}: file is too large ({len(data) / 1_048_576:.1f} MB; the limit is "
            f"{MAX_BYTES // 1_048_576} MB)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: invalid UTF-16 at byte {exc.start}") from None
    if b"\x00" in data[:8192]:
        raise InputError(f"{path}: binary file (it contains NUL bytes), skipped")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if latin1_fallback:
            return data.decode("latin-1")
        raise InputError(
            f"{path}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8") from None
    if not text.strip():
        raise InputError(f"{path}: file is empty, nothing to lint")
    return text


def read_source(path: str, latin1_fallback: bool = False) -> Source:
    if path == "-":
        return Source("-", decode(sys.stdin.buffer.read(), "<stdin>", latin1_fallback))
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file")
    if p.is_dir():
        raise InputError(f"{path}: is a directory; give the message files to lint")
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:  # refuse before reading it all into memory
            raise InputError(f"{path}: file is too large ({size / 1_048_576:.1f} MB; the limit "
                             f"is {MAX_BYTES // 1_048_576} MB)")
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return Source(path, decode(data, path, latin1_fallback))
