"""Read an ``.eml`` file (RFC 5322 / MIME) into the text the linter checks.

Findings are reported as ranges of the file the user opened, so this reader does not
hand the parser a decoded copy and forget where it came from. It builds the subject and
the chosen body part with ``TextBuilder``, and every decoded character (a folded subject
line, a quoted-printable ``=C3=A9``, a group of base64) maps to the exact characters of
``source`` it came from. That is why headers, MIME boundaries and transfer encodings are
located here by hand; the stdlib ``email`` package only reads header values.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.parser import HeaderParser
from itertools import pairwise

from .layer import Layer, Problem
from .offsets import TextBuilder

_BLANK_LINE = re.compile(r"\r?\n(\r?\n)")
# A header value runs over its continuation lines (those starting with space or tab).
_SUBJECT = re.compile(r"^subject:(.*(?:\n[ \t].*)*)", re.I | re.M)
# Blanks before the line break are matched only from the first of them: tried from every
# blank of a long run not followed by a fold, each attempt read the rest of the run again.
_FOLD = re.compile(r"(?:(?<![ \t])[ \t]+)?\r?\n[ \t]+")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_QP_HEX = re.compile(r"=([0-9A-Fa-f]{2})")
_QP_SOFT_BREAK = re.compile(r"=[ \t]*(?:\r?\n|$)")
_QP_BLANKS = re.compile(r"[ \t]+")
_QP_LINE_END = re.compile(r"\r?\n|$")
_B64_ALPHABET = frozenset(string.ascii_letters + string.digits + "+/=")
_MAX_DEPTH = 20  # deeper multipart nesting is hostile input, not mail worth a stack overflow

# A decoded byte and the source range it came from; byte -1 means "keep source[start:end]
# verbatim" (a character that cannot be turned back into the bytes it was read from).
_Byte = tuple[int, int, int]


@dataclass
class EmailBody:
    layer: Layer  # text = subject + "\n\n" + body text; offsets map into the .eml source
    html: bool  # the body came from a text/html part: the caller runs its HTML reader


@dataclass
class _Part:
    headers: Message
    header_start: int
    header_end: int
    body_start: int
    body_end: int


def read_eml(source: str) -> EmailBody:
    """The subject and the first text/plain (else text/html) part of ``source``, mapped
    back to it; malformed MIME becomes ``Problem``s, never an exception."""
    problems: list[Problem] = []
    builder = TextBuilder(source)
    message = _split(source, 0, len(source))
    _add_subject(builder, source, message)
    leaves = list(_leaves(source, message, problems, 0))
    body = _choose(leaves, "text/plain") or _choose(leaves, "text/html")
    if body is None:
        problems.append(Problem("no text/plain or text/html part", message.body_start,
                                len(source)))
    else:
        _add_body(builder, source, body, problems)
    text, offsets = builder.build()
    html = body is not None and body.headers.get_content_type() == "text/html"
    return EmailBody(Layer(text, offsets, problems), html)


def _split(source: str, start: int, end: int) -> _Part:
    """Split ``source[start:end]`` at its first empty line into headers and body."""
    for newline in ("\r\n", "\n"):
        if source.startswith(newline, start, end):  # a part with no headers at all
            return _Part(Message(), start, start, start + len(newline), end)
    m = _BLANK_LINE.search(source, start, end)
    header_end, body_start = (m.start(1), m.end()) if m else (end, end)
    headers = HeaderParser().parsestr(source[start:header_end])
    return _Part(headers, start, header_end, body_start, end)


def _add_subject(builder: TextBuilder, source: str, message: _Part) -> None:
    m = _SUBJECT.search(source, message.header_start, message.header_end)
    if m is None:
        return
    raw = m.group(1)  # the value with its continuation lines, whitespace trimmed below
    start = m.start(1) + len(raw) - len(raw.lstrip(" \t\r\n"))
    end = m.start(1) + len(raw.rstrip(" \t\r\n"))
    if end <= start:
        return
    value = source[start:end]
    if _ENCODED_WORD.search(value):
        builder.put(_decode_words(_FOLD.sub(" ", value)), start, end)
    else:
        cursor = start
        for fold in _FOLD.finditer(source, start, end):
            builder.keep(cursor, fold.start())
            builder.put(" ", fold.start(), fold.end())
            cursor = fold.end()
        builder.keep(cursor, end)
    builder.put("\n\n", end, end)


def _decode_words(value: str) -> str:
    try:
        return _no_lone_surrogates(str(make_header(decode_header(value))))
    except (HeaderParseError, LookupError, UnicodeError, ValueError):
        return value  # a broken encoded-word is still better linted raw than dropped


def _leaves(source: str, part: _Part, problems: list[Problem], depth: int) -> Iterator[_Part]:
    """The non-multipart parts in document order, attachments left out."""
    if depth and part.headers.get_content_disposition() == "attachment":
        return
    if part.headers.get_content_maintype() != "multipart":
        yield part
        return
    boundary = part.headers.get_boundary()
    if not boundary or depth >= _MAX_DEPTH:
        problems.append(Problem("multipart part without a usable boundary",
                                part.header_start, part.header_end))
        return
    for start, end in _sections(source, part, boundary, problems):
        yield from _leaves(source, _split(source, start, end), problems, depth + 1)


def _sections(source: str, part: _Part, boundary: str,
              problems: list[Problem]) -> list[tuple[int, int]]:
    # The line break before a delimiter belongs to the delimiter (RFC 2046 5.1.1), so a
    # part's text ends before it.
    delimiter = re.compile(r"(?:\r?\n|^)--" + re.escape(boundary) + r"(--)?[ \t]*(?:\r?\n|$)",
                           re.M)
    found = list(delimiter.finditer(source, part.body_start, part.body_end))
    if not found:
        problems.append(Problem(f"multipart boundary '{boundary}' not found",
                                part.body_start, part.body_end))
        return []
    sections: list[tuple[int, int]] = []
    for m, after in pairwise(found):
        if m.group(1):  # the close delimiter: what follows is the epilogue
            return sections
        sections.append((m.end(), after.start()))
    last = found[-1]
    if not last.group(1):
        problems.append(Problem(f"multipart boundary '{boundary}' is never closed",
                                last.start(), last.end()))
        sections.append((last.end(), part.body_end))
    return sections


def _choose(leaves: list[_Part], content_type: str) -> _Part | None:
    return next((p for p in leaves if p.headers.get_content_type() == content_type), None)


def _add_body(builder: TextBuilder, source: str, part: _Part, problems: list[Problem]) -> None:
    start, end = part.body_start, part.body_end
    charset = _charset(part.headers)
    encoding = str(part.headers.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding == "quoted-printable":
        _decode(builder, _qp_bytes(source, start, end, charset), charset)
    elif encoding == "base64":
        _decode(builder, _b64_bytes(source, start, end, problems), charset)
    elif charset != "utf-8" and not source[start:end].isascii():
        _decode(builder, _raw_bytes(source, start, end), charset)
    else:
        builder.keep(start, end)


def _charset(headers: Message) -> str:
    """The part's text charset; ASCII reads as UTF-8, unknown or non-text ones too."""
    name = headers.get_content_charset() or "utf-8"
    try:
        b"".decode(name)  # LookupError for unknown names and bytes codecs such as base64
        name = codecs.lookup(name).name
    except LookupError:
        return "utf-8"
    return "utf-8" if name == "ascii" else name


class _Runs:
    """Decoded text waiting to be written. Characters sharing one source range (a base64
    group) become one piece; ``put`` turns a character equal to its source into a keep."""

    def __init__(self, builder: TextBuilder) -> None:
        self.builder, self.text, self.start, self.end = builder, "", 0, 0

    def add(self, text: str, start: int, end: int) -> None:
        if text and (start, end) != (self.start, self.end):
            self.flush()
            self.start, self.end = start, end
        self.text += text

    def flush(self) -> None:
        self.builder.put(self.text, self.start, self.end)
        self.text = ""


# UTF-7 base64, inside a "+…" shift sequence: a UTF-7 decoder holds the whole sequence
# until it ends and reads all it holds again at every byte, so these bytes are handed over
# together with the byte that ends the sequence (the text and where it maps are the same).
_UTF7_SHIFTED = frozenset(string.ascii_letters.encode() + string.digits.encode() + b"+/")


def _decode(builder: TextBuilder, stream: Iterable[_Byte], charset: str) -> None:
    """Decode bytes one at a time, so each character maps to the bytes it came from."""
    decoder = codecs.getincrementaldecoder(charset)(errors="replace")
    runs = _Runs(builder)
    held, last_end = -1, 0  # held: source start of bytes not yet turned into text
    waiting = bytearray()  # bytes the decoder gets with the next one (``_UTF7_SHIFTED``)
    for byte, start, end in stream:
        if byte < 0:  # an incomplete sequence before a verbatim character becomes U+FFFD
            runs.add(_feed(decoder, bytes(waiting), final=True),
                     held if held >= 0 else last_end, last_end)
            runs.flush()
            decoder.reset()
            waiting.clear()
            builder.keep(start, end)
            held, last_end = -1, end
            continue
        held = start if held < 0 else held
        last_end = end
        if charset == "utf-7" and byte in _UTF7_SHIFTED and decoder.getstate()[0]:
            waiting.append(byte)
            continue
        text = _feed(decoder, bytes(waiting) + bytes([byte]))
        waiting.clear()
        if text:
            runs.add(text, held, end)
            # A bad sequence can end in a byte that starts the next character.
            held = start if decoder.getstate()[0] else -1
    runs.add(_feed(decoder, bytes(waiting), final=True), held if held >= 0 else last_end,
             last_end)
    runs.flush()


def _feed(decoder: codecs.IncrementalDecoder, data: bytes, final: bool = False) -> str:
    try:
        return _no_lone_surrogates(decoder.decode(data, final))
    except UnicodeError:  # errors="replace" is not enough for UTF-16 without a BOM
        decoder.reset()
        return "\ufffd"


# A surrogate code point alone: some decoders (UTF-7's "+2D0-") produce one even with
# errors="replace", and no later step can encode it (spaCy fails on it).
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, one character for one."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _literal(char: str, i: int, charset: str) -> Iterator[_Byte]:
    """The bytes a literal non-ASCII character stood for: in a UTF-8 part the character
    is already right; otherwise a non-UTF-8 file was decoded as latin-1, one char a byte.
    A character that fits neither is kept verbatim (byte -1)."""
    try:
        data = char.encode("utf-8" if charset == "utf-8" else "latin-1")
    except UnicodeEncodeError:
        yield -1, i, i + 1
        return
    for byte in data:
        yield byte, i, i + 1


def _raw_bytes(source: str, start: int, end: int) -> Iterator[_Byte]:
    # A non-UTF-8 8bit body means the caller decoded the file as latin-1, so each
    # character is one byte; if not, the text is already decoded and is kept as is.
    try:
        data = source[start:end].encode("latin-1")
    except UnicodeEncodeError:
        yield -1, start, end
        return
    for i, byte in enumerate(data):
        yield byte, start + i, start + i + 1


def _qp_bytes(source: str, start: int, end: int, charset: str) -> Iterator[_Byte]:
    i = start
    while i < end:
        char = source[i]
        if char == "=" and (m := _QP_HEX.match(source, i, end)):
            yield int(m.group(1), 16), i, m.end()
        elif char == "=" and (m := _QP_SOFT_BREAK.match(source, i, end)):
            pass  # a soft line break joins two lines: it produces nothing
        elif char in " \t":
            # RFC 2045: blanks before a line break were added in transport; others are
            # text. The run is read once: tried from each of its blanks in turn, a long
            # run was read again from every one of them.
            blanks = _QP_BLANKS.match(source, i, end)
            assert blanks is not None
            if not _QP_LINE_END.match(source, blanks.end(), end):
                yield from ((ord(source[j]), j, j + 1) for j in range(i, blanks.end()))
            i = blanks.end()
            continue
        elif not char.isascii():
            yield from _literal(char, i, charset)
            i += 1
            continue
        else:  # plain text, and a stray "=" kept as-is like lenient decoders do
            yield ord(char), i, i + 1
            i += 1
            continue
        i = m.end()


def _b64_bytes(source: str, start: int, end: int, problems: list[Problem]) -> Iterator[_Byte]:
    group: list[int] = []  # source offsets of the current four base64 characters
    for i in range(start, end):
        if source[i] in " \t\r\n":
            continue
        if source[i] not in _B64_ALPHABET:
            problems.append(Problem("undecodable base64: unexpected character", i, i + 1))
            return
        group.append(i)
        if len(group) < 4:
            continue
        try:
            data = base64.b64decode("".join(source[j] for j in group), validate=True)
        except binascii.Error:
            problems.append(Problem("undecodable base64: bad padding", group[0], i + 1))
            return
        for byte in data:  # every byte of a group maps to the whole group
            yield byte, group[0], i + 1
        group = []
    if group:
        problems.append(Problem("undecodable base64: truncated", group[0], group[-1] + 1))
