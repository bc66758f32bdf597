"""When a promise falls due: time expressions read relative to the message's time.

"in 30 minutes", "within the hour", "in the next hour", "in an hour", "within 1-2 hours",
"every 30 minutes", "by 14:30 UTC", "at 3:00 pm PT", "tomorrow at 09:00 UTC". Vague words
("shortly", "as soon as we can") have no deadline and are another rule's business
(``vague-timeline``). A clock time without a zone is ambiguous to the client as much as to
us, so it is read only when the caller says which zone to assume.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "forty five": 45,
    "sixty": 60, "ninety": 90, "half an": 0.5, "half a": 0.5,
}
_MINUTES = {"s": 1 / 60, "m": 1, "h": 60, "d": 24 * 60, "w": 7 * 24 * 60}
_NUMBER = (r"\d+(?:\.\d+)?|forty[- ]five|half\s+an?|"
           + "|".join(sorted((k for k in _NUMBERS if " " not in k and "-" not in k),
                             key=len, reverse=True)))
_UNIT = (r"(?P<unit>(?:business\s+|working\s+)?days?|minutes?|mins?|hours?|hrs?|h|weeks?|"
         r"seconds?|secs?)")
_RELATIVE = re.compile(
    r"\b(?P<prep>in|within|after|every|over)\s+(?:the\s+next\s+|the\s+coming\s+|another\s+|"
    r"(?:approximately|about|around|roughly|less\s+than|under|no\s+more\s+than)\s+)?"
    rf"(?P<n>{_NUMBER})(?:\s*(?:-|\u2013|to|or)\s*(?P<n2>\d+(?:\.\d+)?))?\s*" + _UNIT + r"\b",
    re.IGNORECASE)
# "within the hour", "in the next hour", "within the next half hour"
_THE_HOUR = re.compile(
    r"\b(?:in|within)\s+(?:the\s+)?(?:next\s+)?(?P<half>half[- ]?)?hour\b", re.IGNORECASE)
# Offsets, and the zones status pages write; the US ones without S/D follow the season.
_FIXED = {"UTC": 0, "GMT": 0, "Z": 0, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3,
          "IST": 5.5, "SGT": 8, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11, "NZST": 12,
          "NZDT": 13, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
          "PST": -8, "PDT": -7}
_SEASONAL = {"ET": "America/New_York", "CT": "America/Chicago", "MT": "America/Denver",
             "PT": "America/Los_Angeles"}
# Zone names in capitals only: "at 10:00 it…" is not Italian time.
_ZONE = (r"(?P<zone>(?:UTC|GMT)\s*[+-]\s*\d{1,2}(?::?\d{2})?|(?:UTC|GMT)|(?-i:"
         + "|".join(sorted([*_FIXED, *_SEASONAL], key=len, reverse=True)) + r"))\b")
_CLOCK = re.compile(
    r"(?P<lead>\b(?:by|at|before|around|no\s+later\s+than|approximately|about)\s+"
    r"(?:(?:approximately|about|around)\s+)?)?"
    r"\b(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*"
    r"(?P<ampm>[ap]\.?m\.?(?![a-z]))?\s*(?:\(?\s*" + _ZONE + r"\)?)?",
    re.IGNORECASE)
# A clock time after these is when something happened, not when the next post is due.
_PAST_LEAD = re.compile(
    r"\b(?:since|from|between|as\s+of|starting|started|began|beginning|until|and)\s*$",
    re.IGNORECASE)
# "updates hourly", "half-hourly updates"
_HOURLY = re.compile(r"\b(?P<half>half[- ]?)?hourly\b", re.IGNORECASE)
# "30 minutes ago" is when something happened.
_AGO = re.compile(r"^\s*ago\b", re.IGNORECASE)
_TOMORROW = re.compile(r"\btomorrow\b", re.IGNORECASE)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(?P<month>(?-i:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?)"
# "on September 12th", "12 May", "May 12": the day a clock time is on.
_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?|"
    rf"(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH.replace('month', 'month2')})\b",
    re.IGNORECASE)


def _dated(due: datetime, text: str, local: datetime) -> datetime:
    """``due`` moved to the date the text names, if it names one (the nearest year)."""
    match = _DATE.search(text)
    if not match:
        return due
    month = _MONTHS.index((match.group("month") or match.group("month2"))[:3].lower()) + 1
    day = int(match.group("day") or match.group("day2"))
    for year in (local.year, local.year + 1, local.year - 1):
        try:
            candidate = due.replace(year=year, month=month, day=day)
        except ValueError:
            return due
        if abs(candidate - local) < timedelta(days=183):
            return candidate
    return due


@dataclass(frozen=True)
class Deadline:
    at: datetime
    # Where the expression is in the text it was read from.
    start: int
    end: int

    def describe(self) -> str:
        return self.at.astimezone(timezone.utc).strftime("%H:%M UTC")


def _number(text: str) -> float:
    key = " ".join(text.lower().replace("-", " ").split())
    return float(text) if text[0].isdigit() else _NUMBERS.get(key, _NUMBERS.get(
        key.replace(" ", "-"), 1))


def _unit_minutes(unit: str) -> float:
    unit = unit.lower().split()[-1]
    if unit.startswith(("min", "m")):
        return _MINUTES["m"]
    return _MINUTES[unit[0]]


def _zone(name: str | None, assume: tzinfo | None) -> tzinfo | None:
    if name is None:
        return assume
    key = re.sub(r"\s+", "", name).upper()
    if key in _FIXED:
        return timezone(timedelta(hours=_FIXED[key]))
    if key in _SEASONAL:
        try:
            return ZoneInfo(_SEASONAL[key])
        except ZoneInfoNotFoundError:  # no tz database: the winter offset
            return timezone(timedelta(hours={"ET": -5, "CT": -6, "MT": -7, "PT": -8}[key]))
    match = re.fullmatch(r"(?:UTC|GMT)([+-])(\d{1,2})(?::?(\d{2}))?", key)
    if not match:
        return None
    sign = -1 if match.group(1) == "-" else 1
    offset = timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
    return timezone(sign * offset) if offset < timedelta(hours=24) else None


def relative_deadlines(text: str, ts: datetime) -> list[Deadline]:
    found = []
    for match in _RELATIVE.finditer(text):
        if _AGO.match(text[match.end():]):
            continue
        amount = float(match.group("n2")) if match.group("n2") else _number(match.group("n"))
        minutes = amount * _unit_minutes(match.group("unit"))
        found.append(Deadline(ts + timedelta(minutes=minutes), match.start(), match.end()))
    for pattern in (_THE_HOUR, _HOURLY):
        for match in pattern.finditer(text):
            minutes = 30 if match.group("half") else 60
            found.append(Deadline(ts + timedelta(minutes=minutes), match.start(), match.end()))
    return found


def clock_deadlines(text: str, ts: datetime, assume: tzinfo | None = None) -> list[Deadline]:
    """Clock times as the first moment at or after ``ts`` that shows that time (a day
    later after "tomorrow")."""
    found = []
    for match in _CLOCK.finditer(text):
        hour, minute, ampm = int(match.group("h")), match.group("m"), match.group("ampm")
        if minute is None and ampm is None:
            continue  # "at 3", "in 2": not a clock time
        if match.group("lead") is None and _PAST_LEAD.search(text[:match.start()]):
            continue
        if ampm:
            if not 1 <= hour <= 12:
                continue
            hour = hour % 12 + (12 if ampm.lower().startswith("p") else 0)
        if hour > 23 or int(minute or 0) > 59:
            continue
        zone = _zone(match.group("zone"), assume)
        if zone is None:
            continue
        local = ts.astimezone(zone)
        due = local.replace(hour=hour, minute=int(minute or 0), second=0, microsecond=0)
        if due < local:
            due += timedelta(days=1)
        if _TOMORROW.search(text) and due.date() == local.date():
            due += timedelta(days=1)
        due = _dated(due, text, local)
        found.append(Deadline(due, match.start(), match.end()))
    return found


def deadlines(text: str, ts: datetime, assume: tzinfo | None = None) -> list[Deadline]:
    """Every time expression in ``text`` with its deadline, in text order."""
    found = relative_deadlines(text, ts) + clock_deadlines(text, ts, assume)
    return sorted(found, key=lambda d: d.start)
