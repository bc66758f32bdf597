"""A lexicon is searched with its fragment respelled, its alternatives sorted by first
character (``lexicons._respelled``). The respelling must find exactly what the fragment
finds: the same matches, spans and groups, alone and inside a larger pattern.
"""

from __future__ import annotations

import re
import string
import sys
from functools import cache
from typing import Literal, cast

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from apology_lint.errors import RuleError
from apology_lint.lexicons import FLAGS, Lexicon, Lexicons, _respelled
from apology_lint.resources import builtin_rules_dir
from apology_lint.rulespec import LexiconSpec


def lexicon(kind: Literal["words", "verbs", "patterns"], terms: list[str]) -> Lexicon:
    return Lexicon(LexiconSpec(name="test", description="test", type=kind, terms=terms))


def matches(pattern: str | re.Pattern[str], text: str) -> list[tuple[object, ...]]:
    found = re.finditer(pattern, text, FLAGS) if isinstance(pattern, str) else \
        pattern.finditer(text)
    return [(m.span(), m.groups()) for m in found]


def same_matches(plain: str, respelled: str, text: str) -> None:
    assert matches(plain, text) == matches(respelled, text), (plain, respelled, text)


def test_ascii_letters_and_digits_never_match_the_same_character() -> None:
    """What sharing a first letter rests on: two ASCII letters or digits that differ
    (up to case) match no common character, with IGNORECASE (and ASCII) or without."""
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    for flags in (FLAGS, FLAGS | re.ASCII):
        seen: dict[str, str] = {}  # character -> the letter (lower case) that matched it
        for char in string.ascii_lowercase + string.digits:
            for found in set(re.findall(char, everything, flags)):
                assert seen.setdefault(found, char) == char, (found, char, seen[found])


@pytest.mark.parametrize(("fragment", "respelled"), [
    ("cat|dog|cow", "c(?:at|ow)|dog"),
    (r"(?:\bcat\b|\bdog\b|\bcow\b)", r"(?:\b(?:c(?:at\b|ow\b)|dog\b))"),
    # Never past the same letter in another case, nor past what does not start with one.
    ("cat|Cow|cow", "cat|Cow|cow"),
    ("cat|-x|cow", "cat|-x|cow"),
    (r"cat|\x63ow|cow", r"cat|\x63ow|cow"),
    # A first character that is optional or repeated, a capturing group: stays in place.
    ("cat|c?ow|cow", "cat|c?ow|cow"),
    ("cat|c{2}|cow", "cat|c{2}|cow"),
    ("c(a)t|dog|c(o)w", "c(a)t|dog|c(o)w"),
    ("c(?:a)t|dog|c(?:o)w", "c(?:(?:a)t|(?:o)w)|dog"),
    # A run of \b, only where every alternative starts with it.
    (r"\bcat|x|\bdog|\bcow", r"\bcat|x|\b(?:dog|cow)"),
    # Classes and escapes: read whole.
    (r"c[|)]t|d\|g|c\|ow", r"c(?:[|)]t|\|ow)|d\|g"),
    (r"c[]|]t|cow", r"c(?:[]|]t|ow)"),
    # Inside groups of every kind.
    (r"(?<=cat|cow)x|(?-i:cat|cow)", r"(?<=c(?:at|ow))x|(?-i:c(?:at|ow))"),
])
def test_respellings(fragment: str, respelled: str) -> None:
    assert _respelled(fragment) == respelled
    re.compile(respelled, FLAGS)


@pytest.mark.parametrize("fragment", [
    r"(?(1)cat|cow)", r"(?x: cat | cow )", "(?i)cat|cow", "c(?#x)?at|cow", "(?:cat", "cat)",
    "[cat",
])
def test_what_is_not_read_stays_as_it_is(fragment: str) -> None:
    assert _respelled(fragment) is None


# Alternatives of every kind a respelling moves, keeps or reads through.
ALTERNATIVES = [
    "cat", "cats?", "cat\\w*", "Cat", "(?-i:Cat)", "cow", "co", "c", "c?at", "c+", "dog",
    "do", "(dog)", "d(o)g", "c(a)t", "co(w)", r"\bcat", r"\bcow\b", r"\bdo", r"\b", "", "(?:)",
    "at\\b",
    r"\bca(?:t|ts)\b", r"c(?:at|ow)s", r"[cd]og", r"\d+\s?h", "1st", "12", "1", "k",
    "kelvin", "\u212aelvin", "s", "\u017f", "it", "\u0131t", "(?a:\\bcat)", "\u00e9t\u00e9",
    "(?<=a\\s)cat", "^cat", "cat$", r"(?=c)c\w", r"c\|t", "c[|]t", r"(c)\1",
]
TEXT = st.lists(st.sampled_from([
    "cat", "cats", "Cat", "CAT", "cow", "co", "c", "dog", "do", "og", "at", " ", "\n", ".",
    "-", "a ", "1", "12", "1st", "4h", "k", "K", "\u212a", "kelvin", "s", "S", "\u017f",
    "it", "\u0131", "\u0130", "\u00e9", "t\u00e9", "|", "_",
]), max_size=12).map("".join)
PROPERTY = settings(max_examples=1000, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(alternatives=st.lists(st.sampled_from(ALTERNATIVES), min_size=1, max_size=10),
       text=TEXT)
@example(alternatives=["c(a)t", "d(o)g", "co(w)"], text="dog")  # groups keep their numbers
@example(alternatives=["cat", "-", "Cow", "(?-i:c)ow"], text="cow")
def test_a_respelled_pattern_lexicon_matches_as_its_fragment(
        alternatives: list[str], text: str) -> None:
    lex = lexicon("patterns", alternatives)
    plain, respelled = lex.fragment, lex.regex.pattern
    assert matches(plain, text) == matches(lex.regex, text), (plain, respelled, text)
    # Inside a larger pattern: groups and text before and after it, repeated.
    same_matches(rf"(\w+\s+)?{plain}(\s*\w+)?", rf"(\w+\s+)?{respelled}(\s*\w+)?", text)
    same_matches(rf"(?:{plain}\s*)+\.", rf"(?:{respelled}\s*)+\.", text)
    same_matches(f"(?-i:{plain})", f"(?-i:{respelled})", text)


def compiled(source: str) -> re.Pattern[str] | None:
    try:
        return re.compile(source, FLAGS)
    except re.error:
        return None


# Any syntax at all, groups balanced: quantifiers where they repeat nothing, comments,
# back-references to groups that come later, names given twice.
SYNTAX = st.recursive(
    st.sampled_from(["c", "a", "t", "o", "w", "C", "1", r"\b", r"\B", "^", r"\d", r"\x63",
                     "[ca]", "[]|]", r"\|", "-", "\u212a", r"\1", "(?P=n)", "(?#|)", "*", "?",
                     "{2}", "{", "*?"]),
    lambda inner: st.lists(st.lists(st.one_of(inner, st.tuples(st.sampled_from(
        ["(", "(?:", "(?:", "(?<=", "(?!", "(?P<n>", "(?-i:", "(?a:", "(?>"]), inner).map(
            lambda t: f"{t[0]}{t[1]})")), max_size=4).map("".join),
        min_size=1, max_size=4).map("|".join),
    max_leaves=24)


@PROPERTY
@given(fragment=SYNTAX, text=TEXT)
def test_a_respelling_compiles_and_matches_as_its_fragment(fragment: str, text: str) -> None:
    respelled = _respelled(fragment)
    assume(respelled is not None)
    plain, new = compiled(fragment), compiled(cast(str, respelled))
    assert (plain is None) == (new is None), (fragment, respelled)
    if plain is not None and new is not None:
        assert matches(plain, text) == matches(new, text), (fragment, respelled, text)


@pytest.mark.parametrize("terms", [["cat", "c(?:at", "cow"], ["cat", "dog", "cow{2,1}"]])
def test_an_invalid_lexicon_reports_its_own_error(terms: list[str]) -> None:
    with pytest.raises(re.error) as plain:
        re.compile(lexicon("patterns", terms).fragment, FLAGS)
    with pytest.raises(RuleError) as error:
        lexicon("patterns", terms).regex  # noqa: B018
    assert str(error.value) == f"lexicon 'test': invalid pattern: {plain.value}"


@PROPERTY
@given(terms=st.lists(st.sampled_from(
    ["cat", "cats", "Cat", "cat flap", "cow", "co", "c", "dog", "do it", "1st", "12", "k",
     "kelvin", "\u212aelvin", "s", "\u017fun", "it", "\u0131t", "t-shirt", "x.y"]),
    min_size=1, max_size=10), text=TEXT)
def test_a_respelled_word_lexicon_matches_as_its_fragment(terms: list[str], text: str) -> None:
    lex = lexicon("words", terms)
    assert matches(lex.fragment, text) == matches(lex.regex, text), (terms, text)


def test_a_guarded_lexicon_is_not_respelled() -> None:
    spec = LexiconSpec(name="test", description="test", type="words", terms=["cat", "cow"])
    assert Lexicon(spec, guarded=True).regex.pattern == Lexicon(spec).fragment


@cache
def shipped() -> list[Lexicon]:
    lex = Lexicons.from_folder(builtin_rules_dir() / "lexicons")
    return [lex.get(name) for name in sorted(lex.names())]


def test_the_shipped_lexicons_are_respelled() -> None:
    changed = [x for x in shipped() if x.regex.pattern != x.fragment]
    assert len(changed) > len(shipped()) * 3 // 4


@pytest.mark.parametrize("index", range(len(shipped())))
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.filter_too_much])
@given(data=st.data())
def test_the_shipped_lexicons_match_as_their_fragments(index: int, data: st.DataObject) -> None:
    lex = shipped()[index]
    # Texts its terms match (written by Hypothesis from them), in other cases, with words
    # and the characters that fold to ASCII letters around them.
    terms = [re.escape(t) for t in lex.terms] if lex.spec.type != "patterns" else lex.terms
    found = st.sampled_from(terms).flatmap(
        lambda t: st.from_regex(re.compile(t, FLAGS), alphabet=st.characters(max_codepoint=127)))
    case = st.sampled_from([str, str.upper, str.lower, str.title])
    parts = data.draw(st.lists(st.one_of(
        st.tuples(case, found).map(lambda t: t[0](t[1])),
        st.sampled_from([" ", ". ", ", ", "we ", "the ", "2 ", "Tuesday ", "\n", "\u212a",
                         "\u017f", "\u0131"])), max_size=8))
    text = "".join(parts)
    assert matches(lex.fragment, text) == matches(lex.regex, text), (lex.spec.name, text)
