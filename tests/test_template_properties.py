"""Property tests: for generated templates and HTML, every reported span is an exact
slice of the file, contains only words the writer wrote, and never a placeholder."""

from __future__ import annotations

import html
import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apology_lint import Linter

from .spans import assert_spans_are_slices

# Prose words only: none of them is a stand-in the readers put in place of a placeholder.
PROSE = [
    "We're", "sorry", "we", "deleted", "your", "data", "but", "if", "you", "were",
    "affected", "Mistakes", "made", "any", "inconvenience", "just", "a", "minor", "delay",
    "soon", "our", "vendor", "caused", "it", "refunded", "the", "charge", "will", "update",
    "by", "on", "apologize", "for", "regret", "outage", "issue", "investigating", ".", ",",
    "\n", "\n\n", "—",
]
WORD = re.compile(r"[A-Za-z']+")
VOCABULARY = {w.lower() for w in PROSE}
NAMES = ["name", "first_name", "refund_amount", "next_update_at", "service | title", "x",
         "customer.email", "incident.started_at"]

SYNTAX = {
    "jinja": {"out": "{{{{ {0} }}}}", "if": "{{% if {0} %}}", "else": "{% else %}",
              "end": "{% endif %}", "comment": "{# note #}"},
    "handlebars": {"out": "{{{{{0}}}}}", "if": "{{{{#if {0}}}}}", "else": "{{else}}",
                   "end": "{{/if}}", "comment": "{{!-- note --}}"},
    "liquid": {"out": "{{{{ {0} }}}}", "if": "{{% if {0} %}}", "else": "{% else %}",
               "end": "{% endif %}", "comment": "{% comment %}note{% endcomment %}"},
}
TAGS = ["<p>", "</p>", "<br>", "<b>", "</b>", "&amp;", "&rsquo;", "<div>", "</div>"]


def template(syntax: str, with_html: bool) -> st.SearchStrategy[str]:
    forms = SYNTAX[syntax]
    atom = st.one_of(
        st.sampled_from(PROSE),
        st.sampled_from(NAMES).map(forms["out"].format),
        st.just(forms["comment"]),
        *([st.sampled_from(TAGS)] if with_html else []),
    )
    flat = st.lists(atom, max_size=12).map(" ".join)
    block = st.tuples(st.sampled_from(NAMES[:3]), flat, flat, st.booleans()).map(
        lambda t: f"{forms['if'].format(t[0].split()[0])} {t[1]} "
                  + (f"{forms['else']} {t[2]} " if t[3] else "") + forms["end"])
    return st.lists(st.one_of(flat, block), min_size=1, max_size=5).map("\n".join)


def check(source: str, linter: Linter, syntax: str) -> None:
    report = linter.lint(source, kind="apology", syntax=syntax)  # type: ignore[arg-type]
    assert_spans_are_slices(report, source)
    for f in report.findings:
        if f.rule in ("template-syntax", "unused-suppression"):
            continue  # these point at the tag or comment itself
        for marker in ("{{", "}}", "{%", "%}", "{#", "#}"):
            assert marker not in f.text, f"{f.rule} span includes a placeholder: {f.text!r}"
        words = {w.lower() for w in WORD.findall(html.unescape(re.sub(r"<[^>]*>", " ", f.text)))}
        assert words <= VOCABULARY | {"re", "amp", "rsquo", "s"}, (
            f"{f.rule} span has words the writer did not write: {f.text!r}")


# PROPERTY_EXAMPLES=1000 pytest tests/test_template_properties.py for a longer search.
PROPERTY = settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "40")), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@PROPERTY
@given(source=st.sampled_from(list(SYNTAX)).flatmap(
    lambda s: st.tuples(st.just(s), template(s, with_html=False))))
def test_text_templates(linter: Linter, source: tuple[str, str]) -> None:
    syntax, text = source
    check(text, linter, syntax)


@PROPERTY
@given(source=st.sampled_from(list(SYNTAX)).flatmap(
    lambda s: st.tuples(st.just(s), template(s, with_html=True))))
def test_html_templates(linter: Linter, source: tuple[str, str]) -> None:
    syntax, text = source
    check("<html><body>" + text + "</body></html>", linter, syntax)


@PROPERTY
@given(text=st.lists(st.one_of(st.sampled_from(PROSE), st.sampled_from(TAGS)), max_size=40)
       .map(" ".join))
def test_html(linter: Linter, text: str) -> None:
    check(text, linter, "html")
