"""The prefilter (``prefilter.py``) never rules out a text its pattern can match.

The property tests run every shipped pattern a prefilter stands in front of (each
lexicon's regex and each lexical rule's patterns), and some written here, on generated
texts: texts the pattern matches (from ``from_regex``), texts built from its own literals
in mixed case, cut short or with a character swapped for one that case-folds to ASCII,
and free text. Whenever the prefilter says "cannot match", the pattern must find nothing.
"""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
import textwrap
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apology_lint.detectors.lexical import Lexical
from apology_lint.lexicons import FLAGS, GuardedPattern, Lexicons
from apology_lint.prefilter import (
    FilteredPattern,
    Prefilter,
    ascii_lower,
    derive,
    required,
    table_key,
)
from apology_lint.resources import builtin_rules_dir
from apology_lint.rulespec import LexicalDetector, load_rule_files
from apology_lint.tables import prefilter_sets

# Characters Python's IGNORECASE matches to an ASCII letter (long s, Kelvin sign, dotted
# and dotless i), and a few other non-ASCII ones.
FOLDING = "\u017f\u212a\u0130\u0131"
OTHER = "\u00e9\u2019\u2014\u00a0\u0660"


@cache
def lexicons() -> Lexicons:
    return Lexicons.from_folder(builtin_rules_dir() / "lexicons")


@cache
def shipped() -> list[re.Pattern[str]]:
    """Every pattern a prefilter is put in front of, compiled as the linter compiles it."""
    lex = lexicons()
    found = [re.compile(lex.get(name).fragment, FLAGS) for name in sorted(lex.names())]
    for rule in load_rule_files(builtin_rules_dir()):
        for d in rule.detectors:
            if isinstance(d, LexicalDetector):
                found += [lex.compile(p, rule.id) for p in d.patterns]
    return found


# Patterns written here for what the shipped ones lack: non-ASCII literals and classes,
# an alternation with a branch that requires nothing, a negated class, inline flags,
# verbose mode. (Those without a prefilter check that none is derived wrongly.)
WRITTEN = [
    r"\bstra(?:\u00df|ss)e\b", "ca[f\u0192]\u00e9s?", r"(?:deployed|\w+)\s+fix(?:es)?",
    r"\bme\u017fh(?:es)?\b", r"\bl\u0131sts?\b", "\u0130stanbul|istanbul",
    r"\b(?:\d+|many)\s+(?:desks?|chairs?)\b", "(?-i:Desk)|(?i:CHAIR)",
    r"(?x) \b kiss \s+ (?: me | you ) \b  # verbose", r"[#@]\d+", r"[^.!?]{3}",
]


@cache
def filtered() -> list[tuple[re.Pattern[str], Prefilter]]:
    pairs = [(p, Prefilter.of(p)) for p in shipped() + [re.compile(w, FLAGS) for w in WRITTEN]]
    return [(p, f) for p, f in pairs if f is not None]


def lits(source: str, flags: int = FLAGS) -> frozenset[str] | None:
    return required(re.compile(source, flags))


def check(pattern: re.Pattern[str], prefilter: Prefilter, text: str) -> None:
    if prefilter.rules_out(text):
        assert pattern.search(text) is None, (pattern.pattern[:80], text)


# --- the derivation on small patterns ---------------------------------------------------


def test_literal_runs() -> None:
    assert lits("abc") == {"abc"}
    assert lits(r"\bdue\s+to\b") == {"due"}  # the longer run of the two
    assert lits("(?i)ABC") == {"abc"}
    assert lits("ABC", 0) == {"abc"}  # lower-cased even when case counts
    assert lits("(?x) a b  # a comment") == {"ab"}


def test_alternation_is_a_union() -> None:
    assert lits("foo|bar") == {"foo", "bar"}
    assert lits(r"\b(?:cat|dog)s?\b") == {"cat", "dog"}
    # A branch with nothing required leaves the whole alternation with nothing.
    assert lits(r"foo|\w+") is None
    assert lits("(?:foo|)") is None
    # A string holding another is dropped: a text holding it holds the other.
    assert lits("fix|fixed|fixing|prefix") == {"fix"}


def test_sequence_takes_its_most_selective_element() -> None:
    assert lits("(?:ab|cd)xyzw") == {"xyzw"}
    assert lits("(?:abcd|efgh)x") == {"abcd", "efgh"}
    assert lits(r"go\s+(?:away|home)") == {"away", "home"}


def test_optional_parts_and_repeats() -> None:
    assert lits("(?:foo)?bar") == {"bar"}
    assert lits("(?:foo)?") is None
    assert lits("a*") is None
    assert lits("(?:abc){0,}") is None
    assert lits("x{0,3}") is None
    assert lits("(?:abc){2,}") == {"abc"}
    assert lits("(?:abc)+?") == {"abc"}


@pytest.mark.skipif(sys.version_info < (3, 11), reason="atomic groups are new in 3.11")
def test_atomic_groups_and_possessive_repeats() -> None:
    assert lits("(?>abc)") == {"abc"}
    assert lits("(?:abc)++") == {"abc"}
    assert lits("(?:abc)*+") is None


def test_classes() -> None:
    assert lits("[a-z]+") is None
    assert lits(r"\w+") is None
    assert lits(r"\s") is None
    assert lits("[^ab]") is None
    assert lits("[sz]") == {"s", "z"}
    assert lits("(?i)[SZ]") == {"s", "z"}
    assert lits(r"\d") == set("0123456789")
    assert lits(r"\d+(?:st|nd)") == {"st", "nd"}


def test_what_gives_nothing() -> None:
    for source in ("", r"\b", "^$", ".", "a?", "(?=foo)", r"(?=foo)\w+", "(?!foo)x?",
                   r"(a)?\1", r"(?:a|)", r"(?:\bx\b)*"):
        assert lits(source) is None, source
    # A lookaround is skipped; what the match consumes still counts.
    assert lits("(?<=x)bar") == {"bar"}
    assert lits(r"(ab)c\1") == {"ab"}


def test_non_ascii_literals_are_left_out() -> None:
    assert lits("caf\u00e9") == {"caf"}
    assert lits("\u00e9") is None
    assert lits("\u212a") is None  # the Kelvin sign matches "k" under IGNORECASE
    assert lits("[\u212a\u017f]") is None
    assert lits("[\u0660-\u0669]") is None


def test_an_empty_matchable_pattern_gets_nothing() -> None:
    for source in ("", "a*", "(?:ab)?", "a|", "(?:x|y?)", r"\d*", "(?:)"):
        assert re.compile(source).fullmatch("") is not None
        assert lits(source) is None, source


def test_a_pattern_the_parser_rejects_gets_nothing() -> None:
    class Odd:
        pattern = "(unclosed"
        flags = 0

    assert required(Odd()) is None  # type: ignore[arg-type]


# --- what the check says ----------------------------------------------------------------


def test_rules_out_only_ascii_texts() -> None:
    f = Prefilter.of(re.compile(r"\bdesk\b", FLAGS))
    assert f is not None
    assert f.rules_out("the office is open")
    assert not f.rules_out("the DESK is open")
    # Each of these matches through a character that folds to ASCII: never ruled out.
    for text in ("the de\u017fk is open", "the des\u212a is open"):
        assert re.search(r"\bdesk\b", text, FLAGS) is not None
        assert not f.rules_out(text)
    g = Prefilter.of(re.compile(r"\blist\b", FLAGS))
    assert g is not None
    assert re.search(r"\blist\b", "the l\u0131st", FLAGS) is not None
    assert not g.rules_out("the l\u0131st")
    assert not g.rules_out("no match here \u00e9")  # any non-ASCII text is searched


def test_too_many_literals_gives_no_prefilter() -> None:
    many = "|".join(f"w{n:03d}x" for n in range(200))
    assert lits(many) is not None
    assert Prefilter.of(re.compile(many)) is None


def test_ascii_lower() -> None:
    assert ascii_lower("Hello World") == "hello world"
    assert ascii_lower("Caf\u00e9") is None
    text = "Some Text"
    assert ascii_lower(text) == ascii_lower(text) == "some text"
    assert ascii_lower("Other") == "other"  # not the last text's answer


# --- the wrapper lexicons hand out ------------------------------------------------------


def test_filtered_pattern_answers_as_the_pattern() -> None:
    plain = re.compile(r"\b(?:desk|chair)s?\b", FLAGS)
    wrapped = FilteredPattern.wrap(plain)
    assert isinstance(wrapped, FilteredPattern)
    assert (wrapped.pattern, wrapped.flags, wrapped.groups) == (plain.pattern, plain.flags, 0)
    for text in ("no furniture", "Desks and CHAIRS", "a desk", "de\u017fk", "", "chair"):
        for pos, end in ((0, len(text)), (2, len(text)), (0, 3)):
            assert _same(wrapped.search(text, pos, end), plain.search(text, pos, end))
            assert _same(wrapped.match(text, pos, end), plain.match(text, pos, end))
            assert _same(wrapped.fullmatch(text, pos, end), plain.fullmatch(text, pos, end))
            assert [m.span() for m in wrapped.finditer(text, pos, end)] == [
                m.span() for m in plain.finditer(text, pos, end)]
            assert wrapped.findall(text, pos, end) == plain.findall(text, pos, end)
        assert wrapped.sub("x", text) == plain.sub("x", text)
    copy = pickle.loads(pickle.dumps(wrapped))
    assert copy.search("a chair").span() == (2, 7)  # type: ignore[union-attr]
    with pytest.raises(AttributeError):
        _ = wrapped._missing  # type: ignore[attr-defined]


def _same(a: re.Match[str] | None, b: re.Match[str] | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None
                                         and a.span() == b.span())


# --- the shipped table (tables/prefilters.tsv) ------------------------------------------


def test_the_shipped_sets_are_the_derived_ones() -> None:
    """Each shipped pattern the table holds gets from it what its parse tree gives."""
    table = prefilter_sets()
    held = 0
    for pattern in shipped():
        key = table_key(pattern.pattern, pattern.flags)
        if key in table:
            held += 1
            assert table[key] == derive(pattern.pattern, pattern.flags), pattern.pattern[:80]
            assert required(pattern) == table[key]
    assert held == len(shipped())


def test_a_pattern_the_table_lacks_is_derived() -> None:
    pattern = re.compile(r"\bone\s+of\s+a\s+kind\s+(?:desk|chair)\b", FLAGS)
    assert table_key(pattern.pattern, pattern.flags) not in prefilter_sets()
    assert required(pattern) == frozenset({"kind"})


def test_a_first_lint_reads_no_parse_tree() -> None:
    """In a fresh process, a linter with the built-in rules finds every set it asks for in
    the table (a parse tree read at start-up is what the table is there to save)."""
    code = textwrap.dedent("""
        import apology_lint.prefilter as pf
        calls = {"required": 0, "derive": 0}
        def counted(name, inner):
            def wrapper(*args):
                calls[name] += 1
                return inner(*args)
            return wrapper
        pf.required = counted("required", pf.required)
        pf.derive = counted("derive", pf.derive)
        from apology_lint import Linter
        Linter().lint("We are sorry: the export failed for two hours after our change.")
        print(calls["required"], calls["derive"])
    """)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.split()
    asked, derived = map(int, out)
    assert asked > 100
    assert derived == 0, "run: python -m apology_lint.tables.build"


def test_a_pattern_without_literals_is_not_wrapped() -> None:
    plain = re.compile(r"\w+")
    assert FilteredPattern.wrap(plain) is plain


def test_lexicons_hand_out_filtered_patterns() -> None:
    lex = lexicons()
    wrapped = [n for n in lex.names() if isinstance(lex.regex(n), FilteredPattern)]
    assert len(wrapped) > len(list(lex.names())) // 2
    for name in lex.names():
        # The strings are read from the fragment, not from the respelling searched.
        regex = lex.regex(name)
        found = regex._filter if isinstance(regex, FilteredPattern) else None
        expected = Prefilter.of(re.compile(lex.get(name).fragment, FLAGS))
        assert (found and found.literals) == (expected and expected.literals)


def test_guarded_patterns_have_no_prefilter() -> None:
    lex = Lexicons.from_folder(builtin_rules_dir() / "lexicons", guarded=True)
    for name in lex.names():
        assert isinstance(lex.regex(name), GuardedPattern)
    pattern = lex.compile(r"\bdesk\b", "test")
    assert Prefilter.of(pattern) is None


def test_lexical_rules_have_prefilters() -> None:
    lex = lexicons()
    detectors = [Lexical(d, lex, rule.id) for rule in load_rule_files(builtin_rules_dir())
                 for d in rule.detectors if isinstance(d, LexicalDetector)]
    pairs = [pair for d in detectors for pair in d.filtered]
    assert [p for p, _ in pairs] == [p for d in detectors for p in d.patterns]
    assert sum(f is not None for _, f in pairs) > len(pairs) // 2


# --- every shipped pattern on generated texts -------------------------------------------


# Sentences written for these tests.
OWN = [
    "We are sorry: the export failed twice on Tuesday because a cache filled up.",
    "Thanks to a storm, our provider was down from 09:10 to 10:40 UTC.",
    "Only a handful of customers could not log in; we will write again by 5 pm.",
    "Please reply to this email or call me on +44 20 7946 0000.",
    "It was just a minor blip!! Oops :) we take this very seriously.",
    "The root cause was an expired certificate on the load balancer.",
    "We may have lost some orders, possibly due to a bug in the new release.",
]


def test_own_sentences_and_each_literal() -> None:
    for pattern, prefilter in filtered():
        texts = list(OWN)
        for s in prefilter.literals:
            texts += [s, s.upper(), f"x{s}x", f"a {s.title()} b", s[:-1], s[1:],
                      s.replace("s", "\u017f").replace("k", "\u212a").replace("i", "\u0131")]
        for text in texts:
            check(pattern, prefilter, text)


PIECES = st.sampled_from([" ", "  ", ".", ",", "!", "?", "'", "\n", "-", ":", "@", "%"])
WORDS = st.sampled_from(["we", "the", "a", "is", "to", "not", "our", "you", "it", "was",
                         "sorry", "issue", "customers", "2", "14:30", "will", "me", "us"])
TRICKY = st.sampled_from(list(FOLDING + OTHER))


@st.composite
def near_texts(draw: st.DrawFn) -> tuple[re.Pattern[str], Prefilter, str]:
    """A pattern, and a text of its own literals (mixed case, cut, joined), common
    words, punctuation and now and then a character that folds to ASCII."""
    pattern, prefilter = draw(st.sampled_from(filtered()))
    literal = st.sampled_from(prefilter.literals)
    own = st.one_of(
        literal,
        literal.map(str.upper),
        literal.map(str.title),
        literal.map(lambda s: s[:-1]),
        literal.map(lambda s: s[1:]),
        st.tuples(literal, st.integers(0, 20), TRICKY).map(
            lambda t: t[0][:t[1]] + t[2] + t[0][t[1] + 1:]),
    )
    parts = draw(st.lists(st.one_of(own, WORDS, PIECES, TRICKY, st.text(max_size=4)),
                          max_size=14))
    return pattern, prefilter, "".join(parts)


PROPERTY = settings(max_examples=500, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@PROPERTY
@given(near_texts())
def test_no_prefilter_rules_out_a_text_its_pattern_matches(
        case: tuple[re.Pattern[str], Prefilter, str]) -> None:
    check(*case)


@cache
def matching(index: int) -> st.SearchStrategy[str]:
    """Texts the pattern ``filtered()[index]`` matches (Hypothesis writes them from the
    pattern), in other cases, with words around them."""
    pattern = filtered()[index][0]
    case = st.sampled_from([str, str.upper, str.lower, str.swapcase])
    around = st.one_of(WORDS, PIECES, st.just(""))
    # Mostly ASCII texts (the only ones a prefilter can rule out) and the characters
    # that fold to ASCII; now and then any character.
    ascii_ish = st.characters(max_codepoint=127, include_characters=FOLDING + OTHER)
    found = st.one_of(st.from_regex(pattern, alphabet=ascii_ish),
                      st.from_regex(pattern, alphabet=ascii_ish), st.from_regex(pattern))
    return st.tuples(around, st.tuples(case, found), around).map(
        lambda t: t[0] + t[1][0](t[1][1]) + t[2])


# Read term by term (kind.py), never as one pattern: as one, "update:^…" matches nothing
# and Hypothesis cannot write a text it matches.
ONE_BY_ONE = ["kind_status_labels"]


@cache
def generable() -> list[int]:
    skip = {lexicons().get(name).fragment for name in ONE_BY_ONE}
    return [i for i, (p, _) in enumerate(filtered()) if p.pattern not in skip]


# A few patterns a test, each in every example: every pattern is tried on texts it matches
# (all in one test overruns what Hypothesis draws for one example).
CHUNK = 8


@pytest.mark.parametrize("first", range(0, len(generable()), CHUNK))
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_a_text_its_pattern_matches_is_never_ruled_out(first: int, data: st.DataObject) -> None:
    for index in generable()[first:first + CHUNK]:
        pattern, prefilter = filtered()[index]
        text = data.draw(matching(index))
        if pattern.search(text) is not None:  # a change of case can undo a match
            assert not prefilter.rules_out(text), (pattern.pattern[:80], text)
