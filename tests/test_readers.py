"""Each reader and template syntax: findings land on the exact line and column of the
file as written, and what is not the writer's prose is not linted.

Expected positions are found by searching the source text for the flagged words, never
taken from the linter's own output.
"""

from __future__ import annotations

import pytest

from apology_lint import Linter, Report

from .spans import assert_spans_are_slices


def where(source: str, phrase: str) -> tuple[int, int]:
    """1-based line and column of the first occurrence of ``phrase`` in ``source``."""
    offset = source.index(phrase)
    line = source.count("\n", 0, offset) + 1
    return line, offset - (source.rfind("\n", 0, offset) + 1) + 1


def finding(report: Report, rule: str) -> list[tuple[int, int, str]]:
    return [(f.span.line, f.span.column, f.text) for f in report.findings if f.rule == rule]


def assert_at(report: Report, rule: str, source: str, phrase: str) -> None:
    line, column = where(source, phrase)
    assert (line, column, phrase) in finding(report, rule), (
        f"{rule} not at {line}:{column} {phrase!r}: {finding(report, rule)}")


# --- plain text and email hygiene ------------------------------------------------------

REPLY = """\
Hi Sam,

We apologize for any inconvenience. We will update you soon.

--\x20
Maria Lopez, Head of Support
maria@example.com

On Tue, 3 Nov 2026 at 09:14, Sam Ortiz <sam@example.org> wrote:
> Mistakes were made and it is just a minor delay, sorry if you were affected.
"""


def test_text_positions_and_email_hygiene(linter: Linter) -> None:
    report = linter.lint(REPLY, kind="apology", syntax="text")
    assert_at(report, "inconvenience-euphemism", REPLY, "any inconvenience")
    assert_at(report, "vague-timeline", REPLY, "soon")
    quote_start = REPLY.index("On Tue")
    assert all(f.span.start < quote_start for f in report.findings), "the quoted reply was linted"
    signature = REPLY.index("Maria")
    assert not [f for f in report.findings if signature <= f.span.start < quote_start]
    # The signature is not prose, but it still names who to contact.
    assert any(e.start >= signature for e in report.elements.contact)
    assert_spans_are_slices(report, REPLY)


def test_plain_text_directive_line_is_not_prose(linter: Linter) -> None:
    source = ("apology-lint: kind=update\n"
              "We're investigating slow logins. We will update you soon.\n")
    report = linter.lint(source, syntax="text")
    assert report.kind == "update" and report.kind_source == "file"
    assert all(f.span.line == 2 for f in report.findings)


# --- Markdown ------------------------------------------------------------------------

MARKDOWN = """\
---
kind: apology
title: Draft
---
# What happened

We're sorry: **we** double-charged you for *any inconvenience* in `billing-v2`.
See the [status page](https://status.example.com) for details.

```
Mistakes were made. We will update you soon.
```

    Mistakes were made in this indented code.

- We refunded the $40 charge on Monday.
"""


def test_markdown_skips_code_and_front_matter(linter: Linter) -> None:
    report = linter.lint(MARKDOWN, syntax="markdown")
    assert report.kind == "apology" and report.kind_source == "file"
    assert_at(report, "inconvenience-euphemism", MARKDOWN, "any inconvenience")
    fence, end = MARKDOWN.index("```"), MARKDOWN.index("- We refunded")
    assert not [f for f in report.findings if fence <= f.span.start < end]
    assert not [f for f in report.findings if "billing-v2" in f.text]  # inline code masked
    assert report.elements.remedy and where(MARKDOWN, "We refunded")[0] == \
        report.elements.remedy[0].line
    assert_spans_are_slices(report, MARKDOWN)


# --- HTML ----------------------------------------------------------------------------

HTML = """\
<!DOCTYPE html>
<html><head><title>Sorry if you were affected</title>
<style>p { color: red; } /* any inconvenience */</style></head>
<body>
  <h1>Login outage</h1>
  <p>We&rsquo;re sorry. We apologize for any
     inconvenience&nbsp;caused.</p>
  <script>var soon = "We will update you soon";</script>
  <p>We'll update you <b>soon</b>.</p>
</body></html>
"""


def test_html_body_text_entities_and_breaks(linter: Linter) -> None:
    report = linter.lint(HTML, kind="update", syntax="html")
    line, column = where(HTML, "any\n")
    euphemism = [f for f in report.findings if f.rule == "inconvenience-euphemism"]
    assert [(f.span.line, f.span.column) for f in euphemism] == [(line, column)]
    assert euphemism[0].text == "any\n     inconvenience"  # the file's own line break
    soon = HTML.index("soon</b>")
    assert [(f.span.start, f.text) for f in report.findings if f.rule == "vague-timeline"] == [
        (soon, "soon")]
    script = HTML.index("<script>")
    assert not [f for f in report.findings if f.span.start < HTML.index("<body>")]
    assert not [f for f in report.findings if script <= f.span.start < HTML.index("</script>")]
    assert_spans_are_slices(report, HTML)


def test_html_entity_inside_a_finding_maps_to_the_entity(linter: Linter) -> None:
    source = "<p>Mistakes were made &amp; data was lost. We&rsquo;ll update you soon.</p>"
    report = linter.lint(source, kind="update", syntax="html")
    assert_at(report, "vague-timeline", source, "soon")
    assert_spans_are_slices(report, source)


def test_malformed_html_is_reported_and_the_rest_still_linted(linter: Linter) -> None:
    source = "<p>We will update you soon.</div>\n<p>Any inconvenience is regretted.</p>\n<!-- x"
    report = linter.lint(source, kind="update", syntax="html")
    problems = finding(report, "template-syntax")
    assert (1, source.index("</div>") + 1, "</div>") in problems
    assert any(line == 3 for line, _, _ in problems)  # the unclosed comment
    assert_at(report, "vague-timeline", source, "soon")


# --- templates -----------------------------------------------------------------------

JINJA = """\
{# apology-lint: kind=update #}
Hi {{ customer.first_name }},

Since {{ incident.started_at }}, exports have failed for {{ affected_count }} accounts.
{% if workaround %}
You can download the file from {{ backup_url }} until we fix it.
{% else %}
There is no workaround yet. We will update you soon.
{% endif %}
{%- for region in regions %} {{ region | title }} {% endfor %}
"""


def test_jinja_positions_and_the_else_branch(linter: Linter) -> None:
    report = linter.lint(JINJA, syntax="jinja")
    assert report.kind == "update" and report.kind_source == "file"
    assert report.variants == 2
    assert_at(report, "vague-timeline", JINJA, "soon")  # only in the {% else %} branch
    for f in report.findings:
        assert "{{" not in f.text and "{%" not in f.text and "}}" not in f.text
    assert_spans_are_slices(report, JINJA)


HANDLEBARS = """\
<p>Hi {{first_name}},</p>
{{!-- refunds are decided by finance --}}
<p>We charged your card twice on {{charge_date}} because of a bug in our billing code.
We're sorry we did that.</p>
{{#if refund_issued}}
<p>We&rsquo;ve refunded {{refund_amount}} to your card today.</p>
{{else}}
<p>Our team will be in touch.</p>
{{/if}}
<p>{{{signature_html}}}</p>
"""


def test_handlebars_remedy_in_one_branch_is_conditional(linter: Linter) -> None:
    report = linter.lint(HANDLEBARS, kind="apology", syntax="handlebars")
    assert report.variants == 2
    assert "remedy" in report.elements.conditional
    assert "remedy" not in report.elements.present()
    no_remedy = [f for f in report.findings if f.rule == "no-remedy"]
    assert no_remedy and "only for some recipients" in no_remedy[0].message
    assert "{{#if refund_issued}} (line 5) → {{else}}" in no_remedy[0].message
    # The evidence for the remedy points into the {{#if}} branch of the file.
    line, _ = where(HANDLEBARS, "refunded")
    assert [e.line for e in report.elements.remedy] == [line]
    assert_spans_are_slices(report, HANDLEBARS)


def test_handlebars_remedy_in_every_branch_is_present(linter: Linter) -> None:
    source = HANDLEBARS.replace("Our team will be in touch.",
                                "We&rsquo;ve credited $40 to your account today.")
    report = linter.lint(source, kind="apology", syntax="handlebars")
    assert "remedy" in report.elements.present()
    assert "no-remedy" not in {f.rule for f in report.findings}


MUSTACHE = """\
Hi {{name}},
{{! apology-lint: disable-next-line=vague-timeline reason="set when sent" }}
We will update you soon.
{{#has_data_loss}}
Mistakes were made during the migration.
{{/has_data_loss}}
{{^has_data_loss}}
No data was lost.
{{/has_data_loss}}
"""


def test_mustache_sections_and_suppression(linter: Linter) -> None:
    report = linter.lint(MUSTACHE, kind="update", syntax="mustache")
    assert report.variants >= 2
    assert "vague-timeline" not in {f.rule for f in report.findings}
    assert report.suppressed == 1
    assert_spans_are_slices(report, MUSTACHE)


def test_mustache_section_is_linted(linter: Linter) -> None:
    report = linter.lint(MUSTACHE, kind="apology", syntax="mustache")
    assert_at(report, "agentless-fault", MUSTACHE, "Mistakes were made")


@pytest.mark.parametrize("syntax", ["mustache", "handlebars"])
@pytest.mark.parametrize("first, second", [("#", "^"), ("^", "#")])
def test_an_inverted_section_on_the_same_key_is_the_else(
        linter: Linter, syntax: str, first: str, second: str) -> None:
    """{{#x}}…{{/x}}{{^x}}…{{/x}}: one of the two is shown, never neither. With the
    apology in both, no version of the message lacks it."""
    source = (f"Hi {{{{name}}}},\n{{{{{first}refund}}}}\nWe are sorry we charged you twice; "
              f"the refund is on its way.\n{{{{/refund}}}}\n{{{{{second}refund}}}}\nWe are "
              f"sorry we charged you twice; we will refund it today.\n{{{{/refund}}}}\n")
    report = linter.lint(source, kind="apology", syntax=syntax)  # type: ignore[arg-type]
    assert report.variants == 2
    assert "apology-missing" not in {f.rule for f in report.findings}
    assert "apology" in report.elements.present()


LIQUID = """\
{% comment %} apology-lint: disable=jargon {% endcomment %}
Hi {{ customer.name | escape }}, the SEPA run failed.
{% comment %} apology-lint: enable=jargon {% endcomment %}
{% if credit_amount > 0 %}
We've added a credit of {{ credit_amount }} to your account.
{% elsif customer.plan == "enterprise" %}
Please contact your account manager if you would like a credit.
{% else %}
We apologize for any inconvenience.
{% endif %}
The KDS queue stalled.
"""


def test_liquid_branches_and_comment_suppression(linter: Linter) -> None:
    report = linter.lint(LIQUID, kind="apology", syntax="liquid")
    assert report.variants == 3
    assert_at(report, "inconvenience-euphemism", LIQUID, "any inconvenience")
    jargon_lines = {line for line, _, _ in finding(report, "jargon")}
    assert where(LIQUID, "SEPA")[0] not in jargon_lines  # inside disable … enable
    assert where(LIQUID, "KDS")[0] in jargon_lines  # after enable


@pytest.mark.parametrize(("syntax", "source", "tag"), [
    ("jinja", "We're sorry.\n{% if refund %}\nWe refunded you.\nWe will update you soon.\n",
     "{% if refund %}"),
    ("jinja", "We're sorry, {{ first_name.\nWe will update you soon.\n", "{{"),
    ("handlebars", "We're sorry.\n{{#if refund}}We refunded you.{{/each}}\n"
                   "We will update you soon.\n", "{{/each}}"),
    ("liquid", "We're sorry.\n{% endif %}\nWe will update you soon.\n", "{% endif %}"),
])
def test_broken_template_reports_the_tag_and_lints_the_rest(
    linter: Linter, syntax: str, source: str, tag: str
) -> None:
    report = linter.lint(source, kind="update", syntax=syntax)  # type: ignore[arg-type]
    problems = finding(report, "template-syntax")
    line, column = where(source, tag)
    assert (line, column) in [(p[0], p[1]) for p in problems]
    assert {f.severity for f in report.findings if f.rule == "template-syntax"} == {"error"}
    assert_at(report, "vague-timeline", source, "soon")


def test_templates_are_never_executed(linter: Linter, tmp_path: object) -> None:
    # Jinja code that would run a command if rendered is only read as text.
    source = ("{{ ''.__class__.__mro__[1].__subclasses__() }}{% set x = "
              "cycler.__init__.__globals__.os.system('touch /tmp/apology-lint-pwned') %}"
              "We're sorry we deleted your files.\n")
    report = linter.lint(source, kind="apology", syntax="jinja")
    import os
    assert not os.path.exists("/tmp/apology-lint-pwned")
    assert report.findings is not None


# --- .eml ----------------------------------------------------------------------------

EML = (
    "From: Support <support@example.com>\n"
    "To: sam@example.org\n"
    "Subject: Sorry if you were affected by the outage\n"
    "MIME-Version: 1.0\n"
    'Content-Type: multipart/alternative; boundary="b1"\n'
    "\n"
    "--b1\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "We=E2=80=99re sorry. We apologize for any inconvenience this may have caus=\n"
    "ed. We will update you soon.\n"
    "\n"
    "On Mon, 2 Nov 2026, Sam <sam@example.org> wrote:\n"
    "> Mistakes were made.\n"
    "--b1\n"
    "Content-Type: text/html; charset=utf-8\n"
    "\n"
    "<p>Ignored: the plain part is used.</p>\n"
    "--b1--\n"
)


def test_eml_subject_and_quoted_printable_body(linter: Linter) -> None:
    report = linter.lint(EML, kind="update", syntax="eml")
    assert_at(report, "inconvenience-euphemism", EML, "any inconvenience")
    assert_at(report, "vague-timeline", EML, "soon")
    assert where(EML, "Sorry if")[0] in {f.span.line for f in report.findings
                                         if f.rule == "conditional-apology"}
    assert not [f for f in report.findings if f.span.start >= EML.index("On Mon")]
    assert_spans_are_slices(report, EML)


def test_a_missing_element_is_one_finding_whatever_the_branches(linter: Linter) -> None:
    source = ("{% if a %}Your export failed.{% elif b %}Your import failed.{% else %}"
              "Your sync failed.{% endif %}\nWe're sorry we broke it.\n")
    report = linter.lint(source, kind="apology", syntax="jinja")
    assert report.variants == 3
    assert [f.rule for f in report.findings].count("no-remedy") == 1


def test_message_level_finding_skips_a_first_line_of_placeholders(linter: Linter) -> None:
    source = "{{ greeting }} {{ name }}\nWe're sorry we broke your export.\n"
    report = linter.lint(source, kind="apology", syntax="handlebars")
    no_remedy = [f for f in report.findings if f.rule == "no-remedy"]
    assert [(f.span.line, f.span.column) for f in no_remedy] == [(2, 1)]


def test_mustache_custom_delimiters_are_reported(linter: Linter) -> None:
    source = "{{=<% %>=}}\nWe will update you soon.\n"
    report = linter.lint(source, kind="update", syntax="mustache")
    assert (1, 1, "{{=<% %>=}}") in finding(report, "template-syntax")
    assert_at(report, "vague-timeline", source, "soon")
