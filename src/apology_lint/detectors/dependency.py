"""``type: dependency`` — spaCy ``DependencyMatcher`` patterns written in the rule file.

In an ``IN`` / ``NOT_IN`` list, a string ``$name`` expands to the words of lexicon
``name``, so patterns stay short and share vocabulary with the lexical rules.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.attrs import LOWER

from ..annotate import Analysis
from ..errors import RuleError
from ..lexicons import Lexicons
from ..models import Kind
from ..rulespec import DependencyDetector
from .base import Hit, Level, Taken


def _expand(value: Any, lex: Lexicons) -> Any:
    if isinstance(value, dict):
        return {k: _expand(v, lex) for k, v in value.items()}
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            if isinstance(item, str) and item.startswith("$"):
                out.extend(sorted(lex.words(item[1:])))
            else:
                out.append(_expand(item, lex))
        return out
    return value


def _needed_words(pattern: list[dict[str, Any]], vocab: Any) -> list[frozenset[int]]:
    """For each node that matches given lower-case words (``LOWER: word`` or ``LOWER: {IN:
    [...]}``), those words, as the string hashes ``Doc.to_array`` gives."""
    needs = []
    for node in pattern:
        lower = node.get("RIGHT_ATTRS", {}).get("LOWER")
        words = [lower] if isinstance(lower, str) else \
            lower.get("IN") if isinstance(lower, dict) and set(lower) == {"IN"} else None
        if words is not None:
            needs.append(frozenset(vocab.strings[w] for w in words))
    return needs


class Dependency:
    def __init__(self, spec: DependencyDetector, lex: Lexicons, vocab: Any, where: str) -> None:
        from spacy.matcher import DependencyMatcher

        self.matcher = DependencyMatcher(vocab)
        self.anchor_index: list[int] = []
        self.needs: list[list[frozenset[int]]] = []  # per pattern: see ``_can_match``
        for n, pattern in enumerate(spec.patterns):
            ids = [node.get("RIGHT_ID") for node in pattern]
            if spec.anchor not in ids:
                raise RuleError(f"{where}: anchor: '{spec.anchor}' is not a node of pattern {n}")
            self.anchor_index.append(ids.index(spec.anchor))
            expanded = _expand(pattern, lex)
            try:
                self.matcher.add(str(n), [expanded])
            except (ValueError, KeyError) as exc:
                raise RuleError(f"{where}: patterns.{n}: {exc}") from None
            self.needs.append(_needed_words(expanded, vocab))
        self.unless = [lex.compile(p, f"{where}: unless_sentence") for p in spec.unless_sentence]
        self.unless_negated = spec.unless_negated
        self.escalate = {k: re.compile(v) for k, v in spec.escalate_if_node_in.items()}
        self.node_ids = [[node.get("RIGHT_ID") for node in p] for p in spec.patterns]

    def _can_match(self, a: Analysis) -> bool:
        """Whether some pattern can match: every node that asks for given words (``LOWER``)
        has one of them in the message. Most messages name no person, and the matcher
        costs far more than this look at the words."""
        words = set(a.doc.to_array([LOWER]).tolist())
        return any(all(need & words for need in needs) for needs in self.needs)

    def run(self, a: Analysis, kind: Kind) -> list[Hit]:
        hits: list[Hit] = []
        taken = Taken()  # the spans of ``hits``
        if not self._can_match(a):
            return hits
        for match_id, token_ids in self.matcher(a.doc):
            n = int(a.doc.vocab.strings[match_id])
            anchor = a.doc[token_ids[self.anchor_index[n]]]
            start = anchor.left_edge.idx
            end = anchor.right_edge.idx + len(anchor.right_edge)
            sent = a.sent_at(anchor.idx)
            if sent.quoted or a.is_quoted(start, end):
                continue
            if any(p.search(sent.text) for p in self.unless):
                continue
            if self.unless_negated and (
                a.negated_before(sent, anchor.idx)
                or any(c.dep_ == "neg" for c in anchor.head.children)
            ):
                continue
            level: Level = "normal"
            for node, pattern in self.escalate.items():
                tok = a.doc[token_ids[self.node_ids[n].index(node)]]
                if pattern.fullmatch(tok.tag_):
                    level = "escalated"
            if not taken.overlaps(start, end):
                taken.add(start, end)
                hits.append(Hit(start, end, level=level))
        return hits
