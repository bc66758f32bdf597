"""Read incidents from the shapes they come in.

* Atlassian Statuspage incident JSON: one incident (``incident_updates[]`` with
  ``status``, ``body``, ``created_at``/``display_at``), a list of them, ``{"incident": …}``,
  or the public API v2 ``incidents.json`` (``{"incidents": […]}``); a published
  ``postmortem_body`` becomes the thread's last message;
* JSONL of ``{ts, status, message}``, one incident per file (an optional first line
  without a message gives ``id``, ``title``, ``impact``, ``started_at``); a JSON list of
  such messages is read the same way;
* ``statuspages.jsonl`` lines (``provider``, ``id``, ``name``, ``impact``,
  ``timeline[]`` of ``{ts, status, message}``);
* GitHub status lines (``id``, ``title``, ``impact``, ``started_at``, ``updates[]`` of
  ``{at, status, message}``).

The shape is told from the keys, not the file name. A file that cannot be read at all
raises ``IncidentError``; in a file of many incidents a bad one is reported in
``Incidents.errors`` and the others are still read. Every message is one line: the
command prints it after ``apology-lint: error:``.
"""

from __future__ import annotations

import bisect
import itertools
import json
import json.decoder
import json.scanner
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InputError, one_line
from ..sources import read_bytes
from .incident import Incident, IncidentMessage, normalize_status

# A message's time, by the name each shape gives it. Statuspage's ``created_at`` (when
# the update was posted) comes before ``display_at`` (which a writer may backdate): the
# timing rules judge when the client could read it.
TS_KEYS = ("ts", "at", "created_at", "display_at", "timestamp", "time")
_TEXT_KEYS = ("message", "body", "text")
_HEADER_KEYS = ("id", "title", "name", "impact", "started_at", "provider")

SHAPES = ("Statuspage incident JSON (incident_updates[]), Statuspage incidents.json "
          "({\"incidents\": [...]}), JSONL of {ts, status, message}, statuspages.jsonl "
          "lines (timeline[]) or GitHub status lines (updates[])")


class IncidentError(InputError):
    """An incident, or a whole file, that cannot be read; the message is one line."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 incident: str | None = None) -> None:
        where = f"{path}:{line}" if path and line else path or (f"line {line}" if line else "")
        label = f"incident {incident}: " if incident else ""
        super().__init__(one_line(f"{where}: {label}{message}" if where else f"{label}{message}"))
        self.path = path
        self.line = line
        self.incident = incident


@dataclass
class Incidents:
    """What one file held: the incidents that could be read and an error for each that
    could not."""

    incidents: list[Incident] = field(default_factory=list)
    errors: list[IncidentError] = field(default_factory=list)


# --- timestamps --------------------------------------------------------------------

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?", re.IGNORECASE)


def parse_ts(value: object) -> datetime:
    """An ISO 8601 time (``T`` or a space, optional fraction, ``Z``/``UTC``/offset), a
    YAML timestamp, or Unix seconds (milliseconds past year 5138); naive means UTC.
    ``ValueError`` with a short reason otherwise."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) > 1e11 else value
        try:
            parsed = datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"unparsable timestamp {value!r}") from None
    elif isinstance(value, str):
        match = _ISO.fullmatch(value.strip())
        if not match:
            raise ValueError(f"unparsable timestamp {value[:40]!r}")
        year, month, day, hour, minute, second, fraction, zone = match.groups()
        try:
            parsed = datetime(int(year), int(month), int(day), int(hour or 0),
                              int(minute or 0), int(second or 0),
                              int((fraction or "0")[:6].ljust(6, "0")),
                              tzinfo=_zone(zone))
        except ValueError:
            raise ValueError(f"unparsable timestamp {value[:40]!r}") from None
    else:
        raise ValueError(f"unparsable timestamp {value!r}"[:60])
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _zone(text: str | None) -> timezone:
    if text is None or text.upper() in ("Z", "UTC", "GMT"):
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError("offset out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


# --- JSON with line numbers ---------------------------------------------------------


class _Located(dict[str, Any]):
    """A JSON object that remembers where it is in the text (``[start, end)``)."""

    start = 0
    end = 0


# Not in the type stubs, but public in both json modules since Python 2.7.
_JSON_OBJECT: Callable[..., tuple[dict[str, Any], int]] = \
    json.decoder.JSONObject  # type: ignore[attr-defined]
_PY_MAKE_SCANNER: Callable[[json.JSONDecoder], Any] = \
    json.scanner.py_make_scanner  # type: ignore[attr-defined]


def _parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
    obj, end = _JSON_OBJECT(s_and_end, *args)
    located = _Located(obj)
    located.start, located.end = s_and_end[1] - 1, end
    return located, end


class _LocatingDecoder(json.JSONDecoder):
    # The pure-Python scanner, because only it calls ``parse_object`` back, which is
    # what lets each object keep its offsets (the C scanner is closed). Exports are
    # small; the large corpora are JSONL, parsed line by line in C.
    def __init__(self) -> None:
        super().__init__()
        self.parse_object = _parse_object
        self.scan_once = _PY_MAKE_SCANNER(self)


class _Lines:
    """Offset → 1-based line, for a pretty-printed export."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) + 1

    def key_line(self, obj: Any, keys: Iterable[str], default: int | None) -> int | None:
        """The line of the first of ``keys`` in ``obj`` (found in its own text)."""
        if not isinstance(obj, _Located):
            return default
        for key in keys:
            if key in obj:
                at = self.text.find(json.dumps(key), obj.start, obj.end)
                if at >= 0:
                    return self.line(at)
        return self.line(obj.start)


# --- records -------------------------------------------------------------------------


def first_key(record: dict[str, Any], keys: Iterable[str]) -> Any:
    return next((record[k] for k in keys if record.get(k) not in (None, "")), None)


def _is_message(record: dict[str, Any]) -> bool:
    return any(k in record for k in _TEXT_KEYS) and "incident_updates" not in record \
        and "timeline" not in record and "updates" not in record


def record_shape(record: object) -> str | None:
    """Which shape one JSON value is, or None."""
    if not isinstance(record, dict):
        return None
    if isinstance(record.get("incidents"), list):
        return "incidents"
    if isinstance(record.get("incident"), dict):
        return "wrapped"
    if isinstance(record.get("incident_updates"), list):
        return "statuspage"
    if isinstance(record.get("timeline"), list):
        return "timeline"
    if isinstance(record.get("updates"), list):
        return "github"
    if _is_message(record):
        return "message"
    if any(k in record for k in _HEADER_KEYS):
        return "header"
    return None


class RecordReader:
    def __init__(self, path: str, lines: _Lines | None = None) -> None:
        self.path = path
        self.stem = Path(path).stem or path
        self.lines = lines

    def error(self, message: str, line: int | None, incident: str | None = None) -> IncidentError:
        return IncidentError(message, self.path, line, incident)

    def _line(self, obj: Any, keys: Iterable[str], default: int | None) -> int | None:
        return self.lines.key_line(obj, keys, default) if self.lines else default

    def message(self, record: object, default_line: int | None, number: int,
                incident: str | None) -> IncidentMessage:
        """One message of a thread; ``number`` counts from 1 for the error."""
        line = self._line(record, _TEXT_KEYS, default_line)
        if not isinstance(record, dict):
            raise self.error(f"update {number} is not an object", line, incident)
        raw_ts = first_key(record, TS_KEYS)
        if raw_ts is None:
            raise self.error(f"update {number} has no timestamp (give ts, at, created_at "
                             "or display_at)", line, incident)
        try:
            ts = parse_ts(raw_ts)
        except ValueError as exc:
            raise self.error(f"update {number}: {exc}", line, incident) from None
        text = first_key(record, _TEXT_KEYS)
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise self.error(f"update {number}: the message is not text", line, incident)
        return IncidentMessage(ts=ts, status=normalize_status(record.get("status")),
                               text=text, line=line)

    def incident(self, record: dict[str, Any], shape: str, line: int | None,
                 number: int) -> Incident:
        """One incident record of a multi-incident shape; ``number`` names it when it
        has no id."""
        raw_id = record.get("id")
        ident = str(raw_id) if raw_id not in (None, "") else f"{self.stem}#{number}"
        raw = {"statuspage": record.get("incident_updates"), "timeline": record.get("timeline"),
               "github": record.get("updates")}[shape]
        items = list(raw or [])
        if not items:
            raise self.error("no updates", line, ident)
        self.check_timestamps(items, line, ident)
        messages = [self.message(item, line, n, ident) for n, item in enumerate(items, 1)]
        if shape == "statuspage":
            if messages[0].ts > messages[-1].ts:
                # Newest first, as Statuspage lists them: reversed, updates posted in the
                # same second keep their real order when sorted.
                messages.reverse()
            messages += self._postmortem(record, line, ident)
        title = record.get("title") if shape == "github" else record.get("name")
        return self.build(ident, title, record, messages, line)

    def check_timestamps(self, items: list[Any], line: int | None, ident: str) -> None:
        """An incident without a single time is one error, not one per update."""
        if not any(isinstance(item, dict) and first_key(item, TS_KEYS) is not None
                   for item in items):
            raise self.error("no timestamps: give each update ts, at, created_at or "
                             "display_at", line, ident)

    def _postmortem(self, record: dict[str, Any], line: int | None,
                    ident: str) -> list[IncidentMessage]:
        """A published Statuspage post-mortem is the review the thread promised."""
        body, published = record.get("postmortem_body"), record.get("postmortem_published_at")
        if not (isinstance(body, str) and body.strip() and published):
            return []
        try:
            ts = parse_ts(published)
        except ValueError as exc:
            raise self.error(f"postmortem: {exc}", line, ident) from None
        return [IncidentMessage(ts=ts, status="postmortem", text=body,
                                line=self._line(record, ["postmortem_body"], line))]

    def build(self, ident: str, title: object, record: dict[str, Any],
              messages: list[IncidentMessage], line: int | None) -> Incident:
        started: datetime | None = None
        if record.get("started_at") not in (None, ""):
            try:
                started = parse_ts(record["started_at"])
            except ValueError as exc:
                raise self.error(f"started_at: {exc}", line, ident) from None
        impact = record.get("impact")
        provider = record.get("provider")
        try:
            return Incident(
                id=ident, title=title if isinstance(title, str) else None, source=self.path,
                line=line, provider=provider if isinstance(provider, str) else None,
                impact=impact.strip().lower() if isinstance(impact, str) else None,
                started_at=started, messages=messages)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise self.error(f"{'.'.join(map(str, first['loc']))}: {first['msg']}", line,
                             ident) from None

    def messages_file(self, records: Sequence[tuple[Any, int | None]]) -> Incident:
        """A file whose records are the messages of one incident (after an optional
        header record)."""
        header: dict[str, Any] = {}
        if records and record_shape(records[0][0]) == "header":
            header = records[0][0]
            records = records[1:]
        ident = str(header.get("id") or self.stem)
        if not records:
            raise self.error("no messages", None, ident)
        self.check_timestamps([r for r, _ in records], records[0][1], ident)
        messages = []
        for n, (record, line) in enumerate(records, 1):
            if record_shape(record) != "message":
                raise self.error(f"record {n} is not a {{ts, status, message}} message", line,
                                 ident)
            messages.append(self.message(record, line, n, ident))
        title = header.get("title", header.get("name"))
        return self.build(ident, title, header, messages, records[0][1] if records else None)


# --- files ---------------------------------------------------------------------------


def expand_records(value: Any, line: int | None) -> Iterator[tuple[str | None, Any, int | None]]:
    """The incident records in a JSON value: ``(shape, record, line)``."""
    shape = record_shape(value)
    if shape == "incidents":
        for item in value["incidents"]:
            yield record_shape(item), item, line
    elif shape == "wrapped":
        yield record_shape(value["incident"]), value["incident"], line
    else:
        yield shape, value, line


def read_text(text: str, path: str = "<input>") -> Incidents:
    """The incidents in ``text`` (the contents of ``path``, which names them)."""
    if not text.strip():
        raise IncidentError("empty file: no incidents", path)
    # JSONL lines end at "\n" only: str.splitlines would also cut at U+2028 and other
    # separators a JSON string may hold unescaped.
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    first = next(n for n, line in enumerate(lines) if line.strip())
    try:
        opening = json.loads(lines[first])
    except (ValueError, RecursionError):
        opening = None
    if isinstance(opening, dict):
        return _read_jsonl(lines, path)
    return _read_document(text, path)


def _read_document(text: str, path: str) -> Incidents:
    located = _Lines(text)
    try:
        value = _LocatingDecoder().decode(text)
    except json.JSONDecodeError as exc:
        raise IncidentError(f"malformed JSON at line {exc.lineno} column {exc.colno}: "
                            f"{exc.msg}", path) from None
    except RecursionError:
        raise IncidentError("malformed JSON: nested too deeply", path) from None
    reader = RecordReader(path, located)
    if isinstance(value, list):
        if not value:
            raise IncidentError("empty list: no incidents", path)
        if all(record_shape(v) in ("message", "header") for v in value):
            items = [(v, located.line(v.start) if isinstance(v, _Located) else None)
                     for v in value]
            return Incidents([reader.messages_file(items)])
        records = [(record_shape(v), v, located.line(v.start) if isinstance(v, _Located) else None)
                   for v in value]
    else:
        if record_shape(value) in ("message", "header"):
            return Incidents([reader.messages_file([(value, 1)])])
        records = [(s, r, located.line(r.start) if isinstance(r, _Located) else None)
                   for s, r, _ in expand_records(value, 1)]
    return _incidents(reader, records)


def _incidents(reader: RecordReader,
               records: Sequence[tuple[str | None, Any, int | None]]) -> Incidents:
    if not records:
        raise IncidentError("no incidents", reader.path)
    if all(shape not in ("statuspage", "timeline", "github")
                          for shape, _, _ in records):
        raise IncidentError(f"unknown incident format: expected {SHAPES}", reader.path)
    found = Incidents()
    for number, (shape, record, line) in enumerate(records, 1):
        try:
            if shape not in ("statuspage", "timeline", "github"):
                raise reader.error(f"record {number} is not an incident of a known format",
                                   line)
            found.incidents.append(reader.incident(record, shape, line, number))
        except IncidentError as exc:
            found.errors.append(exc)
    return found


def _read_jsonl(lines: list[str], path: str) -> Incidents:
    reader = RecordReader(path)
    parsed: list[tuple[Any, int]] = []
    bad: list[IncidentError] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            parsed.append((json.loads(line), number))
        except json.JSONDecodeError as exc:
            bad.append(IncidentError(f"malformed JSON at column {exc.colno}: {exc.msg}",
                                     path, number))
        except RecursionError:
            bad.append(IncidentError("malformed JSON: nested too deeply", path, number))
    shapes = [record_shape(value) for value, _ in parsed]
    if shapes and shapes[0] in ("message", "header"):
        # One incident: any bad line spoils it, since a missing message would read as a
        # gap or a broken promise.
        if bad:
            raise bad[0]
        return Incidents([reader.messages_file(parsed)])
    records = [(s, r, n) for value, n in parsed for s, r, _ in expand_records(value, n)]
    found = _incidents(reader, records)
    found.errors = sorted(bad + found.errors, key=lambda e: e.line or 0)
    return found


def read_incidents(path: str | Path) -> Incidents:
    """The incidents in the file at ``path``; ``IncidentError`` when none can be read.

    Read as every linted file is (``sources.read_bytes``: a regular file, size-capped),
    since an archive may come from a repository. An incident whose updates the file lists
    in neither time order is an error, not silently sorted: which was posted first is not
    known."""
    name = str(path)
    try:
        text = read_bytes(name).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IncidentError(f"not UTF-8 text (byte {exc.start})", name) from None
    except InputError as exc:
        raise IncidentError(str(exc).removeprefix(f"{name}: "), name) from None
    found = read_text(text, name)
    kept = []
    for incident in found.incidents:
        problem = order_problem(incident)
        if problem:
            found.errors.append(IncidentError(problem, incident.source, incident.line,
                                              incident.id))
        else:
            kept.append(incident)
    found.incidents = kept
    return found


def disorder(values: Sequence[Any]) -> int | None:
    """The position of the first value out of order, when the values are in neither order
    (rising, falling); None when they are in one."""
    rising = all(a <= b for a, b in itertools.pairwise(values))
    falling = all(a >= b for a, b in itertools.pairwise(values))
    if rising or falling:
        return None
    # Out of order against the direction the first two differing values set.
    up = next((a < b for a, b in itertools.pairwise(values) if a != b), True)
    return next(i for i in range(1, len(values))
                if (values[i] < values[i - 1] if up else values[i] > values[i - 1]))


def order_problem(incident: Incident) -> str | None:
    """For a file read whole the updates are already sorted by time; the order they were
    written in is their line numbers (each message has its own line in a pretty-printed
    export or a JSONL of messages). A post-mortem is placed by its own time."""
    lines = [m.line for m in incident.messages if m.status != "postmortem"]
    if len(lines) < 3 or None in lines or len(set(lines)) < len(lines):
        return None
    if disorder(lines) is None:
        return None
    return ("updates are not in time order: the file lists them neither oldest nor newest "
            "first; give them in the order they were posted")


def incident_from_messages(records: list[dict[str, Any]] | dict[str, Any],
                           ident: str = "example") -> Incident:
    """An incident written inline (a rule's examples, a test): a list of
    ``{ts, status, message}``, or ``{id?, title?, impact?, started_at?, messages: […]}``."""
    reader = RecordReader(ident)
    if isinstance(records, dict):
        header = {k: v for k, v in records.items() if k != "messages"}
        messages = records.get("messages") or []
        return reader.messages_file([({"id": ident, **header}, None)]
                                    + [(m, None) for m in messages])
    return reader.messages_file([({"id": ident}, None)] + [(m, None) for m in records])
