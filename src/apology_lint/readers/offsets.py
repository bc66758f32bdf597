"""How a reader's output text maps back to the file it came from.

A reader (HTML, Markdown, a template…) turns the source into the text the parser sees.
It builds that text with ``TextBuilder`` from *pieces*: a run copied verbatim from the
source (offsets map one to one), or a replacement (an HTML entity decoded, a tag turned
into a paragraph break, a placeholder turned into a stand-in word), which maps as a whole
onto the source range it replaces. Source ranges a reader drops (block tags, comments,
markup) belong to no piece. Readers stack (a template holding HTML), so maps compose.

This is the sqlfluff idea of templated slices, reduced to what a prose linter needs:
every span found in the output text maps to an exact ``[start, end)`` in the source, and
a span never includes a masked placeholder (``clip``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    out_start: int
    out_end: int
    src_start: int
    src_end: int
    verbatim: bool  # the output equals the source slice, character for character
    mask: bool = False  # a placeholder's stand-in: no finding may include it


class OffsetMap:
    """Output offsets to source offsets, from an ordered list of contiguous pieces."""

    def __init__(self, pieces: list[Piece], out_length: int,
                 breaks: list[int] | None = None) -> None:
        self.pieces = pieces
        self.out_length = out_length
        self._starts = [p.out_start for p in pieces]
        # The indexes of the masked pieces, in order: ``masked`` reads only those in its
        # range, not every piece (or every break) of a long template for every range.
        self._masks = [i for i, p in enumerate(pieces) if p.mask]
        # Output offsets where a masked placeholder was dropped altogether by a later
        # reader (HTML collapsing the space that stood for a tag): a span must stop there.
        self.breaks = sorted(set(breaks or []))

    @classmethod
    def identity(cls, length: int) -> OffsetMap:
        return cls([Piece(0, length, 0, length, True)] if length else [], length)

    def _piece_at(self, offset: int) -> Piece | None:
        i = bisect_right(self._starts, offset) - 1
        if i < 0:
            return None
        return self.pieces[i]

    def start(self, offset: int) -> int:
        """The source offset where output character ``offset`` begins."""
        if not self.pieces:
            return 0
        if offset >= self.out_length:
            return self.pieces[-1].src_end
        p = self._piece_at(offset)
        if p is None:
            return 0
        return p.src_start + (offset - p.out_start) if p.verbatim else p.src_start

    def end(self, offset: int) -> int:
        """The source offset where output character ``offset - 1`` ends (exclusive end)."""
        if offset <= 0 or not self.pieces:
            return self.start(0)
        p = self._piece_at(offset - 1)
        if p is None:
            return 0
        return p.src_start + (offset - p.out_start) if p.verbatim else p.src_end

    def span(self, start: int, end: int) -> tuple[int, int]:
        if end <= start:
            s = self.start(start)
            return s, s
        return self.start(start), max(self.start(start), self.end(end))

    def masked(self, start: int, end: int) -> list[tuple[int, int]]:
        """The output ranges of masked pieces overlapping ``[start, end)``, and the breaks
        inside it as empty ranges."""
        # Binary searches: the pieces from the one holding ``start`` up to the first that
        # starts at or after ``end``, the masked ones among them, and the breaks in range.
        i = max(bisect_right(self._starts, start) - 1, 0)
        j = bisect_left(self._starts, end, lo=i)
        found = [(k, k) for k in
                 self.breaks[bisect_left(self.breaks, start):bisect_right(self.breaks, end)]]
        for n in self._masks[bisect_left(self._masks, i):bisect_left(self._masks, j)]:
            p = self.pieces[n]
            if p.out_end > start:
                found.append((p.out_start, p.out_end))
        return sorted(found)

    def covered(self) -> list[tuple[int, int]]:
        """The source ranges this output's words came from, merged (used to tell which
        template variant contains a given source span). Masked pieces are left out: a
        space that stands for a removed tag may reach across branches this output skips."""
        ranges: list[tuple[int, int]] = []
        for p in sorted((p for p in self.pieces if not p.mask), key=lambda p: p.src_start):
            if ranges and p.src_start <= ranges[-1][1]:
                ranges[-1] = (ranges[-1][0], max(ranges[-1][1], p.src_end))
            else:
                ranges.append((p.src_start, p.src_end))
        return ranges

    def then(self, outer: OffsetMap) -> OffsetMap:
        """Compose: ``self`` maps output → middle text, ``outer`` maps middle → source."""
        pieces: list[Piece] = []
        breaks = list(self.breaks)
        previous_end: int | None = None
        for p in self.pieces:
            # Middle text this step dropped, between two pieces, that held a placeholder.
            if previous_end is not None and outer.masked(previous_end, p.src_start):
                breaks.append(p.out_start)
            previous_end = p.src_end
            inside = outer.breaks[bisect_right(outer.breaks, p.src_start):
                                  bisect_left(outer.breaks, p.src_end)]
            breaks += [p.out_start + (k - p.src_start) if p.verbatim else p.out_start
                       for k in inside]
            if not p.verbatim:
                src_start, src_end = outer.span(p.src_start, p.src_end)
                mask = p.mask or bool(outer.masked(p.src_start, p.src_end))
                pieces.append(Piece(p.out_start, p.out_end, src_start, src_end, False, mask))
                continue
            # A verbatim run of the middle text may cross several outer pieces: split it.
            cursor = p.src_start
            while cursor < p.src_end:
                q = outer._piece_at(cursor)
                assert q is not None and q.out_start <= cursor < q.out_end
                stop = min(p.src_end, q.out_end)
                out_start = p.out_start + (cursor - p.src_start)
                out_end = p.out_start + (stop - p.src_start)
                if q.verbatim:
                    offset = q.src_start + (cursor - q.out_start)
                    pieces.append(Piece(out_start, out_end, offset, offset + stop - cursor, True))
                else:
                    pieces.append(Piece(out_start, out_end, q.src_start, q.src_end, False,
                                        q.mask))
                cursor = stop
        return OffsetMap(pieces, self.out_length, breaks)


class TextBuilder:
    """Builds a reader's output text and its ``OffsetMap`` together."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._parts: list[str] = []
        self._pieces: list[Piece] = []
        self._length = 0

    def keep(self, start: int, end: int) -> None:
        """Copy ``source[start:end]`` unchanged."""
        if end <= start:
            return
        last = self._pieces[-1] if self._pieces else None
        if last and last.verbatim and last.src_end == start and not last.mask:
            self._pieces[-1] = Piece(last.out_start, self._length + end - start,
                                     last.src_start, end, True)
        else:
            self._pieces.append(Piece(self._length, self._length + end - start, start, end,
                                      True))
        self._parts.append(self.source[start:end])
        self._length += end - start

    def put(self, text: str, start: int, end: int, mask: bool = False) -> None:
        """Write ``text`` in place of ``source[start:end]``."""
        if not text:
            return
        if not mask and text == self.source[start:end]:
            self.keep(start, end)
            return
        self._pieces.append(Piece(self._length, self._length + len(text), start, end, False,
                                  mask))
        self._parts.append(text)
        self._length += len(text)

    @property
    def length(self) -> int:
        return self._length

    def ends_with(self, suffix: str | tuple[str, ...]) -> bool:
        return "".join(self._parts[-3:]).endswith(suffix)

    def build(self) -> tuple[str, OffsetMap]:
        return "".join(self._parts), OffsetMap(self._pieces, self._length)


_EDGE = " \t\r\n,;:\u2014\u2013-"


def clip(text: str, offsets: OffsetMap, start: int, end: int) -> tuple[int, int] | None:
    """Shrink ``[start, end)`` so it includes no masked placeholder.

    A span that runs over a placeholder keeps its first run of real words ("We're sorry
    {{ name }} that…" → "We're sorry"); a span made only of placeholders is dropped.
    """
    masks = offsets.masked(start, end)
    if not masks:
        return start, end
    runs, cursor = [], start
    for mask_start, mask_end in masks:
        if mask_start > cursor:
            runs.append((cursor, mask_start))
        cursor = max(cursor, mask_end)
    if cursor < end:
        runs.append((cursor, end))
    for run_start, run_end in runs:
        while run_start < run_end and text[run_start] in _EDGE:
            run_start += 1
        while run_end > run_start and text[run_end - 1] in _EDGE:
            run_end -= 1
        if any(ch.isalnum() for ch in text[run_start:run_end]):
            return run_start, run_end
    return None
