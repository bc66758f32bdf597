"""The cheaper ways the detectors and the placing work give the answers the plain ways
gave: a lexical rule passes over a message that holds none of its prefilters' strings, a
named detector walks only the tokens with the tag or word it asks about (``Tokens``), and
a suggestion's quotes and the kind cues are checked through their prefilters."""

from __future__ import annotations

from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.attrs import DEP, LOWER, TAG

from apology_lint import Linter
from apology_lint.detectors.lexical import Lexical
from apology_lint.kind import _cues
from apology_lint.placing import _QUOTED, Placer, _one_line
from apology_lint.tokens import Tokens

SENTENCES = [
    "We are sorry: the export failed twice on Tuesday because a cache filled up.",
    "Thanks to a storm, our provider was down from 09:10 to 10:40 UTC.",
    "Only a handful of customers could not log in; we will write again by 5 pm.",
    "Mistakes were made and your data was deleted. It was just a minor blip!!",
    "The company apologizes for any inconvenience this may have caused.",
    "Our vendor failed to renew the certificate, so logins broke for EU users.",
]


@cache
def linter() -> Linter:
    return Linter()


def placer() -> Placer:
    return linter().placer


@cache
def lexical_detectors() -> list[Lexical]:
    return [d for found in placer().detectors.values() for d in found
            if isinstance(d, Lexical)]


@cache
def pieces() -> list[str]:
    """Every prefilter string of the lexical rules, and the words of the sentences: texts
    made of them hold some rules' strings and not others'."""
    found = {s for d in lexical_detectors() for _, f in d.filtered if f is not None
             for s in f.literals}
    return sorted(found | {w for s in SENTENCES for w in s.split()})


def _cased(word: str, upper: bool) -> str:
    return word.upper() if upper else word


# Deferred: the rules are loaded when the first example is drawn, not when tests are
# collected.
words = st.deferred(lambda: st.sampled_from(pieces()))
texts = st.lists(st.tuples(words, st.booleans()).map(lambda p: _cased(*p))
                 | st.text(max_size=12), max_size=10).map(" ".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.integers(0, 400), st.integers(0, 400))
def test_a_pattern_ruled_out_for_the_message_matches_no_part_of_it(
        text: str, i: int, j: int) -> None:
    for d in lexical_detectors():
        possible = [p for p, _ in d._possible(text)]
        for pattern in d.patterns:
            if pattern not in possible:
                assert pattern.search(text) is None
                assert pattern.search(text[min(i, j):max(i, j)]) is None


def test_a_rule_without_strings_in_the_message_passes_over_it() -> None:
    a_rule = next(d for d in lexical_detectors() if d._any is not None)
    assert a_rule._possible("") == []
    assert a_rule._possible("\u00e9" + " " * 3) == a_rule.filtered  # not ASCII: all


def test_tokens_are_those_the_plain_walk_finds() -> None:
    lex = linter().ruleset.lexicons
    for text in SENTENCES:
        doc = linter().nlp(text)
        for attr, name in ((TAG, "tag_"), (LOWER, "lower_"), (DEP, "dep_")):
            values = [getattr(t, name) for t in doc]
            for strings in (frozenset(values[::2]), frozenset(values[1:2]), frozenset(),
                            lex.words("apology_verbs"), lex.words("minimizer_adverbs")):
                tokens = Tokens(doc, attr, strings)
                for sent in doc.sents:
                    plain = [t.i for t in sent if getattr(t, name) in strings]
                    assert [t.i for t in tokens.within(sent)] == plain


quotes = st.lists(words | st.sampled_from(SENTENCES), max_size=4)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quotes, st.integers(0, 1000))
def test_a_suggestion_quoting_flagged_words_is_found_as_before(
        quoted: list[str], pick: int) -> None:
    rule_ids = sorted(placer().detectors)
    rule_id = rule_ids[pick % len(rule_ids)]
    suggestion = "Say: " + " and ".join(f'"{q}"' for q in quoted)
    plain = any(p.search(quote) for other, p, _ in placer()._flag_patterns
                if other != rule_id for quote in _QUOTED.findall(suggestion))
    assert placer()._quotes_flagged(rule_id, suggestion) == plain


def test_a_rule_s_suggestion_is_shown_as_before() -> None:
    for rule in placer().rules.rules:
        for suggestion in (None, "", 'Say "we broke it" , then .  . fix it'):
            plain = _one_line((suggestion or rule.suggestion).replace("{flagged}", "the words"))
            assert placer()._shown_suggestion(rule, suggestion, "the words") == plain


def test_kind_cues_find_what_the_plain_patterns_find() -> None:
    lex = linter().ruleset.lexicons
    for text in [*SENTENCES, "Resolved: the API is back to normal.", "Update 3: next update"]:
        for name in ("kind_cues", "kind_status_labels"):
            for term, (_, pattern) in zip(lex.get(name).terms, _cues(lex, name), strict=True):
                plain = lex.compile(term.partition(":")[2], name)
                assert pattern.findall(text) == plain.findall(text)
                assert bool(pattern.match(text)) == bool(plain.match(text))
