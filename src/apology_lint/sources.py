"""Reading what the user asked to lint: files and standard input, as text.

Input problems (missing, unreadable, not a regular file, binary, not UTF-8, empty, too
large) raise ``InputError`` with a one-line message; the command line reports it and goes
on with the other files. Files are only ever read, and never more than MAX_BYTES of one.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from typing import BinaryIO

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
    # A byte order mark says the encoding. UTF-32's come first: its little-endian mark
    # starts with UTF-16's (FF FE), and read as UTF-16 it would be garbage with NULs.
    boms = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
            (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
    codec = next((name for bom, name in boms if data.startswith(bom)), None)
    binary = InputError(f"{path}: binary file (it contains NUL bytes), skipped")
    # Every byte, not a first block: a NUL anywhere means this is not a message (and
    # searching bytes is fast). UTF-16 and UTF-32 are full of NUL bytes: there a NUL
    # character is looked for once decoded.
    if codec is None and b"\x00" in data:
        raise binary
    try:
        text = data.decode(codec or "utf-8-sig")
    except UnicodeDecodeError as exc:
        if codec is not None:
            raise InputError(f"{path}: invalid {codec.upper()} at byte {exc.start}") from None
        if not latin1_fallback:
            raise InputError(
                f"{path}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                f"{exc.start}); save the file as UTF-8") from None
        text = data.decode("latin-1")
    if "\x00" in text:
        raise binary
    # Also a file that holds only a byte order mark.
    if not text.strip():
        raise InputError(f"{path}: file is empty, nothing to lint")
    return text


def _too_large(path: str, size: int | None, what: str = "file") -> InputError:
    limit = MAX_BYTES // 1_048_576
    amount = f"{size / 1_048_576:.1f} MB" if size is not None else f"more than {limit} MB"
    return InputError(f"{path}: {what} is too large ({amount}; the limit is {limit} MB)")


def _read_at_most(handle: BinaryIO, limit: int) -> bytes:
    """At most ``limit`` bytes, a piece at a time: an endless input stops at the limit, and
    a small file does not cost a buffer of the whole limit."""
    pieces: list[bytes] = []
    left = limit
    while left > 0:
        piece = handle.read(min(left, 1 << 20))
        if not piece:
            break
        pieces.append(piece)
        left -= len(piece)
    return b"".join(pieces)


def _not_regular(path: str, mode: int) -> InputError:
    kinds = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    kind = next((name for test, name in kinds if test(mode)), None)
    return InputError(f"{path}: not a regular file{f' ({kind})' if kind else ''}, skipped")


# Opening never blocks, even if a FIFO took the file's place after it was checked.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)


def read_bytes(path: str) -> bytes:
    """The bytes of the regular file at ``path`` (a link is followed), at most MAX_BYTES.

    Anything else is refused before it is opened: a FIFO blocks forever, /dev/zero never
    ends, and opening some devices does something. The type is checked again on the open
    file, in case the path changed in between; the size is enforced while reading, as a
    file can grow (or, in /proc, say it is empty)."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"{path}: is a directory; give the message files to lint")
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path, info.st_mode)
        if info.st_size > MAX_BYTES:  # refuse before reading anything
            raise _too_large(path, info.st_size)
        with open(os.open(path, _OPEN_FLAGS), "rb", buffering=0) as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise _not_regular(path, mode)
            data = _read_at_most(handle, MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise _too_large(path, None)
    return data


def read_source(path: str, latin1_fallback: bool = False, stdin_name: str = "-") -> Source:
    """A file's text, or standard input's for "-" (named ``stdin_name`` in errors, as in
    reports). Standard input has the same size limit as a file: it may never end
    (``< /dev/zero``, a stuck producer)."""
    if path != "-":
        return Source(path, decode(read_bytes(path), path, latin1_fallback))
    if sys.stdin is None:  # started with standard input closed
        raise InputError(f"{stdin_name}: standard input is closed, nothing to lint")
    try:
        data = _read_at_most(sys.stdin.buffer, MAX_BYTES + 1)
    except OSError as exc:  # e.g. standard input is a folder (apology-lint - < /)
        raise InputError(f"{stdin_name}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise _too_large(stdin_name, None, "input")
    return Source("-", decode(data, stdin_name, latin1_fallback))
