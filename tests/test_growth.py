"""Hostile input: no reader, regex or detector takes more than linear time.

A pull request is hostile input: the text it brings may be made to hang the check. Each
case here plays the attacker: it builds an input that once made a part of the linter
quadratic (or worse), at size n and 2n, and times that part; linear work about doubles,
quadratic work quadruples. A part is called directly where a whole lint of that input
took minutes before it was fixed, and a whole lint is timed where it is quick.

The machine is shared and noisy, so only the ratio counts, the time is the process's CPU
time, each size is timed as the best of three runs, and each run repeats the work until
it takes some tens of milliseconds.
"""

from __future__ import annotations

import gc
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from apology_lint import Linter
from apology_lint.annotate import (
    _QUOTED,
    Analysis,
    Apology,
    Sent,
    _apologies,
    _sentences,
    annotate,
    normalize,
)
from apology_lint.config import Finder
from apology_lint.detectors.dependency import Dependency
from apology_lint.detectors.tone import jargon, repeated_apology
from apology_lint.engine import _chunks
from apology_lint.files import expand
from apology_lint.parts_model import COMPONENT, KIND_COMPONENT, join_docs
from apology_lint.readers import plain_document
from apology_lint.readers.email import read_eml
from apology_lint.readers.html import read_html
from apology_lint.readers.markdown import read_markdown
from apology_lint.readers.plaintext import read_plain
from apology_lint.readers.template import parse, variants
from apology_lint.suppressions import scan

RATIO = 2.5  # 2n may take at most this many times as long as n
RULES = {"jargon", "vague-timeline"}

Work = Callable[[], object]


def timed(work: Work, repeat: int) -> float:
    """The CPU time ``repeat`` runs of ``work`` take: unlike the wall clock, it does not
    count the time other processes had the processor."""
    gc.collect()
    gc.disable()  # a collection is not the work being measured
    try:
        start = time.process_time()
        for _ in range(repeat):
            work()
        return time.process_time() - start
    finally:
        gc.enable()


def assert_linear(make: Callable[[int], Work], n: int, repeat: int = 1) -> None:
    """``make(size)`` builds the input and returns the work to time on it; a run repeats
    it ``repeat`` times at size 2n, and twice as often at size n, so that runs of either
    size take about as long and a quiet moment on a busy machine favours neither.

    The sizes are timed in turn, best of three, then best of six. Another process can
    still slow every run of one size, so a ratio over RATIO is confirmed at 4n before it
    fails: work that really grows faster than linearly is RATIO squared slower there too
    (a quadratic one is 16 times slower)."""
    small, large = make(n), make(2 * n)
    small()  # the first call loads and compiles what later calls reuse
    t_small = t_large = float("inf")
    for _ in range(2):
        for _ in range(3):
            t_small = min(t_small, timed(small, 2 * repeat) / 2)
            t_large = min(t_large, timed(large, repeat))
        if t_large / t_small <= RATIO:
            return
    largest, t_small, t_largest = make(4 * n), float("inf"), float("inf")
    for _ in range(3):
        t_small = min(t_small, timed(small, 4 * repeat) / 4)
        t_largest = min(t_largest, timed(largest, repeat))
    assert t_largest / t_small <= RATIO ** 2, (
        f"n={n}: {t_small * 1000:.0f} ms; 2n: {t_large * 1000:.0f} ms "
        f"({t_large / t_small:.1f}x); 4n: {t_largest * 1000:.0f} ms ({t_largest / t_small:.1f}x)")


# --- readers ---------------------------------------------------------------------------


def template(syntax: str) -> Callable[[str], object]:
    return lambda source: variants(source, parse(source, syntax)[0])


# Each syntax's own reader, called directly (``read_document`` also maps offsets through
# the layers it stacks, which is not what these inputs attack).
READER: dict[str, Callable[[str], object]] = {
    "text": read_plain, "markdown": read_markdown, "html": read_html, "eml": read_eml,
    **{syntax: template(syntax) for syntax in ("jinja", "liquid", "handlebars", "mustache")},
}


def reading(syntax: str, source: Callable[[int], str]) -> Callable[[int], Work]:
    def make(n: int) -> Work:
        text = source(n)
        return lambda: READER[syntax](text)
    return make


def scanning(syntax: str, markup: str, source: Callable[[int], str]) -> Callable[[int], Work]:
    def make(n: int) -> Work:
        text = source(n)
        return lambda: scan(text, syntax, markup, RULES)
    return make


def eml(subject: str, body: str) -> str:
    return (f"From: support@example.com\nSubject: {subject}\n"
            "Content-Type: text/plain; charset=utf-8\n"
            f"Content-Transfer-Encoding: quoted-printable\n\n{body}\n")


def nested(open_tag: str, close_tag: str) -> Callable[[int], str]:
    return lambda n: (open_tag + "We are sorry.\n") * n + (close_tag + "\n") * n


READERS: dict[str, tuple[Callable[[int], Work], int, int]] = {
    # id: (make, n, repeat)
    "text: a line of spaces": (reading("text", lambda n: " " * n + "x\n"), 200_000, 2),
    "markdown: [ repeated": (reading("markdown", lambda n: "[" * n), 50_000, 1),
    "markdown: ![ repeated": (reading("markdown", lambda n: "![" * (n // 2)), 50_000, 1),
    "markdown: <https:// repeated": (
        reading("markdown", lambda n: "<https://a" * (n // 10)), 200_000, 2),
    "markdown: a run of backticks": (  # not at the start of a line: not a code fence
        reading("markdown", lambda n: "x " + "`" * n + " x\n"), 100_000, 150),
    "markdown: spaces before a word": (  # after a line of text: not a code block
        reading("markdown", lambda n: "Text\n" + " " * n + "x\n"), 200_000, 2),
    "html: '<a ' repeated": (reading("html", lambda n: "<a " * (n // 3)), 100_000, 1),
    "html: unclosed quotes in tags": (
        reading("html", lambda n: '<a b="' * (n // 6)), 60_000, 1),
    "html: '<!' repeated": (reading("html", lambda n: "<!x " * (n // 4)), 30_000, 1),
    "eml: blanks in a quoted-printable body": (
        reading("eml", lambda n: eml("Sorry", "a" + " " * n + "b")), 10_000, 1),
    "eml: a long UTF-7 shift sequence": (
        reading("eml", lambda n: eml("Sorry", "+" + "A" * n + "-").replace(
            "utf-8", "utf-7")), 100_000, 1),
    "eml: blanks in the subject": (
        reading("eml", lambda n: eml("a" + " " * n + "b", "We are sorry.")), 200_000, 2),
    "jinja: nested ifs": (reading("jinja", nested("{% if a %}", "{% endif %}")), 200, 1),
    "jinja: unclosed tags": (reading("jinja", lambda n: "{#\n" * (n // 3)), 15_000, 1),
    "jinja: unclosed raw blocks": (
        reading("jinja", lambda n: "{% raw %}\n" * (n // 10)), 30_000, 1),
    "jinja: tags on one long line": (
        reading("jinja", lambda n: ("{% if a %}" + "x" * 500 + "{% endif %} ") * (n // 522)),
        250_000, 2),
    "liquid: unclosed comments": (
        reading("liquid", lambda n: "{% comment %}\n" * (n // 14)), 30_000, 2),
    "handlebars: nested sections": (
        reading("handlebars", nested("{{#if a}}", "{{/if}}")), 200, 1),
    "handlebars: unclosed tags": (
        reading("handlebars", lambda n: "{{\n" * (n // 3)), 15_000, 1),
    "mustache: unclosed triple braces": (
        reading("mustache", lambda n: "{{{\n" * (n // 4)), 15_000, 2),
    # Comments addressed to the linter, read in every syntax.
    "suppressions: a line of spaces": (
        scanning("text", "text", lambda n: " " * n + "x\n"), 200_000, 4),
    "suppressions: blanks after a directive": (
        scanning("text", "text", lambda n: "apology-lint: disable=jargon" + " " * n + "x"),
        200_000, 100),
    "suppressions: unclosed comments": (
        scanning("jinja", "text", lambda n: "{# apology-lint: disable=jargon\n" * (n // 32)),
        30_000, 100),
    "suppressions: directives on one long line": (
        scanning("jinja", "text", lambda n: (
            "{# apology-lint: disable-line=jargon #} " + "x" * 500 + " ") * (n // 541)),
        1_000_000, 2),
}


@pytest.mark.parametrize("case", list(READERS))
def test_readers_grow_linearly(case: str) -> None:
    make, n, repeat = READERS[case]
    assert_linear(make, n, repeat)


# --- detectors -------------------------------------------------------------------------


@dataclass
class _Message:
    """The parts of ``Analysis`` the apology counter reads."""

    text: str
    apologies: list[Apology]


def test_repeated_apology_grows_linearly() -> None:
    """The words before each apology were counted from the top of the message."""
    unit = "We are sorry. " + "The export failed again. " * 10

    def make(n: int) -> Work:
        text = unit * (n // len(unit))
        apologies = [Apology(i, i + 12, 0, "none") for i in range(0, len(text), len(unit))]
        message = _Message(text, apologies)
        return lambda: repeated_apology(message, "apology", {})  # type: ignore[arg-type]
    assert_linear(make, 400_000)


def analysis(linter: Linter, text: str, sentence: str) -> Analysis:
    """An analysis whose sentences are ``sentence`` cut from ``text`` (no parse)."""
    sents: list[Sent] = []
    start = 0
    while start < len(text):
        end = text.find(sentence, start + 1)
        end = len(text) if end == -1 else end
        sents.append(Sent(len(sents), start, end, text[start:end], None, False))
        start = end
    return Analysis(text=text, doc=None, lex=linter.ruleset.lexicons, sents=sents, quoted=[])


@pytest.mark.parametrize("unit", ["SORRY ABOUT BGP. ", "a"], ids=["a capitals line", "a word"])
def test_jargon_grows_linearly(linter: Linter, unit: str) -> None:
    def make(n: int) -> Work:
        a = analysis(linter, unit * (n // len(unit)), unit if unit != "a" else "\0")
        return lambda: jargon(a, "apology", {})
    assert_linear(make, 100_000)


def test_apologies_in_one_sentence_grow_linearly(linter: Linter) -> None:
    """Quoted apologies in one long sentence: each was checked against the whole
    sentence (negation, pivot, condition, head token)."""
    def make(n: int) -> Work:
        text = '"I am sorry" we are sorry ' * (n // 26)
        doc = linter.nlp(text)
        quoted = [(m.start(), m.end()) for m in _QUOTED.finditer(text)]
        sents = _sentences(text, doc, quoted)
        a = Analysis(text=text, doc=doc, lex=linter.ruleset.lexicons, sents=sents, quoted=quoted)
        longest = max(sents, key=lambda s: len(s.text))
        assert len(longest.text) > n // 2  # the attack needs one long sentence
        return lambda: _apologies(a, longest)
    assert_linear(make, 4_000, repeat=4)


def test_dependency_rules_on_text_without_sentences_grow_linearly(linter: Linter) -> None:
    """Text without punctuation is parsed in bounded pieces (``_chunks``): as one
    sentence, the DependencyMatcher's work on it grew with its square."""
    rules = [d for ds in linter.placer.detectors.values() for d in ds if isinstance(d, Dependency)]

    def make(n: int) -> Work:
        text = "we deleted your data and " * (n // 25)
        doc = join_docs(list(linter.nlp.pipe(_chunks(text))))
        a = Analysis(text=text, doc=doc, lex=linter.ruleset.lexicons,
                     sents=_sentences(text, doc, []), quoted=[])
        return lambda: [rule.run(a, "apology") for rule in rules]
    assert_linear(make, 20_000)


# --- whole lints -----------------------------------------------------------------------


@pytest.mark.parametrize(("unit", "n"), [(",", 4_000), ("a", 12_500)],
                         ids=["a run of commas", "one long word"])
def test_long_tokens_lint_in_linear_time(linter: Linter, unit: str, n: int) -> None:
    """One endless token: spaCy's affix search on it was quadratic."""
    def make(size: int) -> Work:
        # spaCy remembers how it split a token it has seen: every run needs a new one.
        texts = (f"{run}{unit * size}" for run in itertools.count())
        return lambda: linter.lint(next(texts), kind="apology")
    assert_linear(make, n)


def test_suppression_comments_lint_in_linear_time(linter: Linter) -> None:
    """Thousands of suppression comments that hide nothing: each one's report was checked
    against every suppression, and each finding too."""
    def make(n: int) -> Work:
        text = "Sorry for any hiccup.\n" + "# apology-lint: disable-next-line=jargon\n" * (n // 41)
        return lambda: linter.lint(text, kind="apology", syntax="text")
    assert_linear(make, 80_000)


# --- the parts model and the engine, on a parsed text ------------------------------------


def test_parts_model_on_many_sentences_grows_linearly(linter: Linter) -> None:
    """Many short sentences: the parts model copied the whole document for each one."""
    if COMPONENT not in linter.nlp.pipe_names:
        pytest.skip("the parts model is not in this pipeline")
    parts = linter.nlp.get_pipe(COMPONENT)

    def make(n: int) -> Work:
        with linter.nlp.select_pipes(disable=[COMPONENT, KIND_COMPONENT]):
            doc = linter.nlp("We are sorry. " * (n // 14))
        return lambda: parts(doc)
    assert_linear(make, 7_000)


def test_findings_in_every_sentence_grow_linearly(linter: Linter) -> None:
    """Findings of five rules in every short sentence: each finding was compared with every
    other (is it inside a finding of a rule it yields to?) and with every span its rule had
    kept (one finding per phrase). The parse is not timed."""
    unit = "Sorry if glitch ASAP! "

    def make(n: int) -> Work:
        document = plain_document(unit * (n // len(unit)))
        parsed = [linter._parse(_chunks(normalize(v.layer.text))) for v in document.variants]
        return lambda: linter._report(document, parsed, "apology", None, None)
    assert_linear(make, 6_000)


def test_sentences_among_many_quotes_grow_linearly(linter: Linter) -> None:
    """Each sentence was checked against every quoted region of the message."""
    def make(n: int) -> Work:
        text = 'We said "sorry" again. ' * (n // 23)
        doc = join_docs(list(linter.nlp.pipe(_chunks(text))))
        quoted = [(m.start(), m.end()) for m in _QUOTED.finditer(text)]
        assert len(quoted) > n // 30
        return lambda: _sentences(text, doc, quoted)
    assert_linear(make, 40_000, repeat=4)


def test_the_analysis_of_many_owned_sentences_grows_linearly(linter: Linter) -> None:
    """Rules ask for every sentence whether a part is in it or near it (``near``,
    ``in_sentence``): a scan of every mark each time made a message of many owned
    sentences quadratic."""
    def make(n: int) -> Work:
        text = "We made a mistake because our script skipped a check. " * (n // 54)
        doc = join_docs(list(linter.nlp.pipe(_chunks(text))))
        a = annotate(text, doc, linter.ruleset.lexicons, parts=linter.ruleset.parts)
        assert len(a.ownership) > n // 100
        sents = a.sentences()
        return lambda: [a.near(a.ownership, s) or a.in_sentence(a.explanation, s)
                        for s in sents]
    assert_linear(make, 20_000, repeat=4)


# --- finding the files -------------------------------------------------------------------


def test_discovery_of_many_files_with_many_excludes_grows_linearly(tmp_path: Path) -> None:
    """n files in nested folders and n exclude globs (folder names, file globs, paths): each
    file was matched against every glob, pattern by pattern, so a walk took files times
    globs (n=600: 1 s; 2n: 3.7 times that; 4n: 13 times). The globs are now compiled
    once, one regular expression for each kind (n=600: 31 ms; 2n: 1.5 times that)."""
    def make(n: int) -> Work:
        root = tmp_path / f"n{n}"
        (root / ".git").mkdir(parents=True)
        (root / ".gitignore").write_text("*.tmp.txt\n")
        globs = [glob for i in range(n // 3 + 1)
                 for glob in (f"drafts-{i}", f"draft-{i}-*.txt", f"archive/{i}/**")][:n]
        (root / ".apology-lint.toml").write_text(
            "extend-exclude = [" + ", ".join(f'"{glob}"' for glob in globs) + "]\n")
        for i in range(n):
            folder = root / f"f{i % 20}" / f"g{i % 7}"
            folder.mkdir(parents=True, exist_ok=True)
            # One file in ten is excluded by a glob.
            (folder / (f"draft-{i // 3}-x.txt" if i % 10 == 0 else f"m{i}.txt")).write_text(
                "We are sorry.\n")
        found = list(expand([str(root)], Finder()))
        assert len(found) == n - n // 10
        return lambda: list(expand([str(root)], Finder()))
    assert_linear(make, 600)
