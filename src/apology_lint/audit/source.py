"""The incidents under the paths given to ``audit``, one at a time.

The thread readers (``threads.readers``) read a whole file into memory, which is right
for a Statuspage export or one incident's JSONL but not for a corpus of ten thousand
incidents: this module streams a JSONL file of incident records (``statuspages.jsonl``
lines, GitHub status lines, one Statuspage incident per line) line by line and hands each
record to the readers' own record reader, so the shapes, defaults and error messages
stay the readers'. Every other file (a JSON document, the JSONL of one incident's
messages) goes through ``read_incidents`` whole.

Besides what the readers check, an incident whose updates are in neither time order
(oldest first, or newest first as Statuspage lists them) is an error here: its gaps and
kept promises would be guesses.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import one_line
from ..threads.incident import Incident
from ..threads.readers import (
    SHAPES,
    TS_KEYS,
    IncidentError,
    RecordReader,
    disorder,
    expand_records,
    first_key,
    parse_ts,
    read_incidents,
    record_shape,
)

# What a folder is searched for; a file named on the command line is read whatever its name.
INCIDENT_SUFFIXES = (".json", ".jsonl", ".ndjson")
_INCIDENT_SHAPES = ("statuspage", "timeline", "github")
_UPDATE_KEYS = {"statuspage": "incident_updates", "timeline": "timeline", "github": "updates"}
# Records read before the first incident-shaped one: past this many, the file is not an
# incident file and one error says so (instead of one per line).
_SNIFF_RECORDS = 100
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class SourcedIncident:
    """An incident and where it came from, as the audit groups it."""

    incident: Incident
    provider: str
    file: str


class IncidentSource:
    """Iterate over the incidents (and the errors) under ``paths``, in order.

    ``bytes_total``/``bytes_done`` measure progress through the files' sizes, known before
    a single line is read, so a progress bar can show a fraction and an ETA while
    streaming."""

    def __init__(self, paths: Iterable[str | os.PathLike[str]]) -> None:
        self.files: list[Path] = []
        self.errors: list[IncidentError] = []
        for path in paths:
            self._collect(Path(path))
        self.bytes_total = sum(_size(f) for f in self.files)
        self.bytes_done = 0

    def _collect(self, path: Path) -> None:
        if path.is_dir():
            found = sorted(_walk(path))
            if not found:
                self.errors.append(IncidentError(
                    f"no incident files ({', '.join(INCIDENT_SUFFIXES)}) in this folder",
                    str(path)))
            self.files.extend(found)
        elif path.exists():
            self.files.append(path)
        else:
            self.errors.append(IncidentError("no such file or folder", str(path)))

    def __iter__(self) -> Iterator[SourcedIncident | IncidentError]:
        yield from self.errors
        for path in self.files:
            before = self.bytes_done
            yield from self._file(path)
            self.bytes_done = before + _size(path)

    def _file(self, path: Path) -> Iterator[SourcedIncident | IncidentError]:
        try:
            handle = path.open("rb")
        except OSError as exc:
            yield IncidentError(f"cannot read: {exc.strerror or exc}", str(path))
            return
        with handle:
            if _streamable(handle):
                yield from self._stream(handle, path)
                return
        # A document or one incident's messages: read whole by the thread readers.
        try:
            found = read_incidents(path)
        except IncidentError as exc:
            yield exc
            return
        yield from found.errors
        for incident in found.incidents:
            yield SourcedIncident(incident, incident.provider or _stem(path), str(path))

    def _stream(self, handle: Any, path: Path) -> Iterator[SourcedIncident | IncidentError]:
        """A JSONL file of incident records, line by line: only one record in memory."""
        name = str(path)
        reader = RecordReader(name)
        number = 0
        # Errors before the first incident record are held, so a file of another kind
        # gives one "unknown incident format" line, as ``read_incidents`` would.
        held: list[SourcedIncident | IncidentError] = []
        seen_incident = False
        for line_no, raw in enumerate(handle, 1):
            self.bytes_done += len(raw)
            line = raw.removesuffix(b"\n").removesuffix(b"\r")
            if line_no == 1:
                line = line.removeprefix(_BOM)
            if not line.strip():
                continue
            found: list[SourcedIncident | IncidentError] = []
            try:
                value = json.loads(line.decode("utf-8"))
            except UnicodeDecodeError as exc:
                found.append(IncidentError(f"not UTF-8 text (byte {exc.start})", name, line_no))
                value = None
            except json.JSONDecodeError as exc:
                found.append(IncidentError(f"malformed JSON at column {exc.colno}: {exc.msg}",
                                           name, line_no))
                value = None
            except RecursionError:
                found.append(IncidentError("malformed JSON: nested too deeply", name, line_no))
                value = None
            records = [] if value is None else list(expand_records(value, line_no))
            for shape, record, _ in records:
                number += 1
                if shape not in _INCIDENT_SHAPES:
                    found.append(reader.error(
                        f"record {number} is not an incident of a known format", line_no))
                    continue
                seen_incident = True
                found.append(_one(reader, record, shape, line_no, number, path))
            if seen_incident:
                yield from held
                held = []
                yield from found
            else:
                held.extend(found)
                if len(held) >= _SNIFF_RECORDS:
                    break
        if not seen_incident:
            yield IncidentError(f"unknown incident format: expected {SHAPES}", name)


def _one(reader: RecordReader, record: dict[str, Any], shape: str, line_no: int, number: int,
         path: Path) -> SourcedIncident | IncidentError:
    try:
        incident = reader.incident(record, shape, line_no, number)
    except IncidentError as exc:
        return exc
    problem = _order_from_records(record.get(_UPDATE_KEYS[shape]) or [])
    if problem:
        return IncidentError(problem, str(path), line_no, incident.id)
    provider = incident.provider or ("github" if shape == "github" else _stem(path))
    return SourcedIncident(incident, provider, str(path))


def _streamable(handle: Any) -> bool:
    """Whether the file is JSONL whose first record is an incident (or a list of them):
    then each line is read on its own. Leaves ``handle`` at the start."""
    try:
        for raw in handle:
            line = raw.removeprefix(_BOM).strip()
            if not line:
                continue
            try:
                value = json.loads(line.decode("utf-8"))
            except (ValueError, RecursionError):
                return False  # a pretty-printed document, or not JSON at all
            return isinstance(value, dict) and record_shape(value) not in ("message", "header")
        return False
    finally:
        handle.seek(0)


def _order_from_records(items: list[Any]) -> str | None:
    times = []
    for item in items:
        raw = first_key(item, TS_KEYS) if isinstance(item, dict) else None
        try:
            times.append(parse_ts(raw))
        except ValueError:
            continue  # the reader reports an unreadable time
    at = disorder(times)
    if at is None:
        return None
    return (f"updates are not in time order (update {at + 1} at {times[at]:%Y-%m-%d %H:%M} "
            f"follows one at {times[at - 1]:%Y-%m-%d %H:%M}); give them oldest or newest first")


def _walk(root: Path) -> Iterator[Path]:
    """Incident files under ``root``; hidden files and folders are left out, symlinked
    folders not followed (no loops)."""
    for here, folders, files in os.walk(root):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in files:
            if not name.startswith(".") and name.lower().endswith(INCIDENT_SUFFIXES):
                yield Path(here) / name


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _stem(path: Path) -> str:
    return one_line(path.stem or str(path))
