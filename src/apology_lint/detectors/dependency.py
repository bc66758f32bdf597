"""``type: dependency`` — spaCy ``DependencyMatcher`` patterns written in the rule file.

In an ``IN`` / ``NOT_IN`` list, a string ``$name`` expands to the words of lexicon
``name``, so patterns stay short and share vocabulary with the lexical rules.
"""

from __future__ import annotations

import re
from typing import Any

from ..annotate import Analysis
from ..errors import RuleError
from ..lexicons import Lexicons
from ..models import Kind
from ..rulespec import DependencyDetector
from .base import Hit, Taken


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


class Dependency:
    def __init__(self, spec: DependencyDetector, lex: Lexicons, vocab: Any, where: str) -> None:
        from spacy.matcher import DependencyMatcher

        self.matcher = DependencyMatcher(vocab)
        self.anchor_index: list[int] = []
        for n, pattern in enumerate(spec.patterns):
            ids = [node.get("RIGHT_ID") for node in pattern]
            if spec.anchor not in ids:
                raise RuleError(f"{where}: anchor: '{spec.anchor}' is not a node of pattern {n}")
            self.anchor_index.append(ids.index(spec.anchor))
            try:
                self.matcher.add(str(n), [_expand(pattern, lex)])
            except (ValueError, KeyError) as exc:
                raise RuleError(f"{where}: patterns.{n}: {exc}") from None
        self.unless = [lex.compile(p, f"{where}: unless_sentence") for p in spec.unless_sentence]
        self.unless_negated = spec.unless_negated
        self.escalate = {k: re.compile(v) for k, v in spec.escalate_if_node_in.items()}
        self.node_ids = [[node.get("RIGHT_ID") for node in p] for p in spec.patterns]

    def run(self, a: Analysis, kind: Kind) -> list[Hit]:
        hits: list[Hit] = []
        taken = Taken()  # the spans of ``hits``
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
            level = "normal"
            for node, pattern in self.escalate.items():
                tok = a.doc[token_ids[self.node_ids[n].index(node)]]
                if pattern.fullmatch(tok.tag_):
                    level = "escalated"
            if not taken.overlaps(start, end):
                taken.add(start, end)
                hits.append(Hit(start, end, level=level))
        return hits
