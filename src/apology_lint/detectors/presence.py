"""``type: presence`` — message-level: fires when a component of a good message is missing."""

from __future__ import annotations

from ..annotate import Analysis
from ..elements import marks_for
from ..models import Kind
from ..rulespec import PresenceDetector
from .base import Hit, message_hit


class Presence:
    def __init__(self, spec: PresenceDetector) -> None:
        self.fact = spec.fact
        self.only_if_ongoing = set(spec.only_if_ongoing)
        self.min_sentences = spec.min_sentences

    def run(self, a: Analysis, kind: Kind) -> list[Hit]:
        if kind in self.only_if_ongoing and not a.ongoing:
            return []
        if len(a.sentences()) < self.min_sentences or marks_for(a, self.fact):
            return []
        return [message_hit(a)]
