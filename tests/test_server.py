"""The language server (``apology-lint server``), end to end with a real LSP client
(pytest-lsp) talking to the server process over stdio; and, without a client, the pieces
it is made of: positions in UTF-16, diagnostics, suppression comments in every syntax."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.protocol import JsonRPCProtocol
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient, make_test_lsp_client

from apology_lint import Linter
from apology_lint.fixes import SourceGuard, apply_edits
from apology_lint.readers import Syntax
from apology_lint.runner import Options, run
from apology_lint.server.actions import Suppressor
from apology_lint.server.positions import PositionIndex, units

SERVER = [sys.executable, "-m", "apology_lint.server", "--log-level", "info"]
TIMEOUT = 90  # seconds: the first lint waits for the pipeline to load on a busy machine


# --- positions (no client) -----------------------------------------------------------


def test_positions_count_utf16_code_units() -> None:
    text = "a\U0001F600b\r\n\u00e9\U0001D518x\rlast"
    index = PositionIndex(text)
    b = text.index("b")
    assert index.position(b) == types.Position(line=0, character=3)  # the emoji is 2
    x = text.index("x")
    assert index.position(x) == types.Position(line=1, character=3)
    assert index.position(text.index("last")) == types.Position(line=2, character=0)
    for offset in range(len(text) + 1):
        if text[offset - 1:offset + 1] == "\r\n":
            continue  # between CR and LF: no position of its own
        assert index.offset(index.position(offset)) == offset
    # A column inside a surrogate pair is the character's start; past the end of the
    # line is the end of the line (before its break).
    assert index.offset(types.Position(line=0, character=2)) == 1
    assert index.offset(types.Position(line=0, character=99)) == text.index("\r")
    assert index.offset(types.Position(line=99, character=0)) == len(text)


def test_positions_in_utf8_and_utf32() -> None:
    text = "\u00e9\U0001F600z"
    assert PositionIndex(text, "utf-8").position(2).character == 6
    assert PositionIndex(text, "utf-32").position(2).character == 2
    assert PositionIndex(text, "utf-8").offset(types.Position(line=0, character=6)) == 2
    assert units("\ud800", "utf-16") == 1  # a lone surrogate does not raise


# --- suppression comments in each syntax (no client) ----------------------------------

FLAGGED = "We apologize for any inconvenience this may have caused."
EXAMPLES: dict[Syntax, tuple[str, str]] = {
    "text": ("mail.txt", f"Hi Dana,\n\n{FLAGGED}\nThanks\n"),
    "markdown": ("mail.md", f"---\nkind: apology\n---\n# Sorry\n\n{FLAGGED}\nMore text.\n"),
    "html": ("mail.html", f"<html><body>\n  <p>{FLAGGED}</p>\n</body></html>\n"),
    "eml": ("mail.eml", "From: a@example.com\nSubject: Sorry\nContent-Type: text/plain\n\n"
                        f"Hi,\n\n{FLAGGED}\n"),
    "jinja": ("mail.html.j2", f"<p>Hi {{{{ name }}}},</p>\n{{% if x %}}\n<p>{FLAGGED}</p>\n"
                              "{% endif %}\n"),
    "handlebars": ("mail.hbs", f"Hi {{{{name}}}},\n\n{FLAGGED}\n"),
    "mustache": ("mail.mustache", f"Hi {{{{name}}}},\n\n{FLAGGED}\n"),
    "liquid": ("mail.liquid", f"Hi {{{{ name }}}},\n\n{FLAGGED}\n"),
}
COMMENT_FORM = {"text": "apology-lint:", "markdown": "<!--", "html": "<!--",
                "eml": "apology-lint:", "jinja": "{#", "handlebars": "{{!--",
                "mustache": "{{!", "liquid": "{% comment %}"}


@pytest.mark.parametrize("syntax", list(EXAMPLES))
@pytest.mark.parametrize("where", ["line", "file"])
def test_disable_comment_in_each_syntax_hides_the_finding(linter: Linter, syntax: Syntax,
                                                         where: str) -> None:
    name, source = EXAMPLES[syntax]
    report = linter.lint(source, syntax=syntax, path=name)
    rule = "inconvenience-euphemism"
    finding = next(f for f in report.findings if f.rule == rule)
    guard = SourceGuard(source, syntax, name)
    suppressor = Suppressor(source, guard, PositionIndex(source), frozenset(linter.known_rules))
    edit = suppressor.edit(finding, where)  # type: ignore[arg-type]
    assert edit is not None
    assert COMMENT_FORM[syntax] in edit.replacement
    after = apply_edits(source, [edit])
    rules = [f.rule for f in linter.lint(after, syntax=syntax, path=name).findings]
    assert rule not in rules
    assert "unused-suppression" not in rules
    # A template keeps every tag it had; the one new tag is the comment.
    assert [tag for tag in guard.tags(after) if tag[1] not in edit.replacement] == \
        guard.tags(source)
    if syntax == "markdown":
        assert after.startswith("---\nkind: apology\n---\n")  # front matter stays first
    if syntax == "eml":
        assert after.index("apology-lint:") > after.index("\n\n")  # in the body


def test_a_second_rule_joins_the_comment_above_the_line(linter: Linter) -> None:
    name = "mail.html.j2"
    source = "<p>Hi {{ name }},</p>\n<p>We apologize \U0001F600 for any inconvenience.</p>\n"
    known = frozenset(linter.known_rules)
    for rule in ("inconvenience-euphemism", "levity-tone"):
        report = linter.lint(source, syntax="jinja", path=name)
        finding = next(f for f in report.findings if f.rule == rule)
        edit = Suppressor(source, SourceGuard(source, "jinja", name), PositionIndex(source),
                          known).edit(finding, "line")
        assert edit is not None
        source = apply_edits(source, [edit])
    assert source.count("{#") == 1
    assert "disable-next-line=inconvenience-euphemism,levity-tone" in source
    rules = [f.rule for f in linter.lint(source, syntax="jinja", path=name).findings]
    assert not {"inconvenience-euphemism", "levity-tone", "unused-suppression"} & set(rules)


# --- end to end, a real client over stdio ---------------------------------------------

TEMPLATE = """\
{# Outage apology, sent by the on-call lead #}
<p>Hi {{ first_name }},</p>
<p>\U0001F600 We're sorry for the delay, but the issue has now been resolved.</p>
{% if refund %}
<p>We've refunded {{ amount }} to your card.</p>
{% endif %}
<p>Mistakes were made during the migration. Our SSO provider was slow.</p>
"""


class Published:
    """Waits for the next diagnostics the server publishes for a document."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client

    def last(self, uri: str) -> Any:
        return self.client.diagnostics.get(uri)

    async def next(self, uri: str, previous: Any) -> list[types.Diagnostic]:
        async def poll() -> list[types.Diagnostic]:
            while self.client.diagnostics.get(uri) is previous:
                await asyncio.sleep(0.02)
            return list(self.client.diagnostics[uri])

        return await asyncio.wait_for(poll(), TIMEOUT)


async def _start(cwd: Path) -> LanguageClient:
    client = make_test_lsp_client()
    await client.start_io(*SERVER, cwd=str(cwd))
    return client


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    # The project's configuration must be what the server uses: jargon is off here, so
    # "SSO" is not reported.
    (root / ".apology-lint.toml").write_text('ignore = ["jargon"]\n', encoding="utf-8")
    (root / "templates").mkdir()
    return root


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(project: Path) -> AsyncIterator[LanguageClient]:
    client = await _start(project)
    await client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=from_fs_path(str(project))))
    yield client
    await client.shutdown_session()
    # A clean shutdown: the protocol's exit code after shutdown then exit is 0.
    assert client._server is not None
    assert client._server.returncode == 0
    await client.stop()  # type: ignore[no-untyped-call]


def _open(client: LanguageClient, path: Path, text: str, language: str = "jinja",
          version: int = 1) -> str:
    uri = from_fs_path(str(path))
    assert uri is not None
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=uri, language_id=language, version=version, text=text)))
    return str(uri)


def _change(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


def _expected(path: Path, text: str) -> set[tuple[str, int, int, int, int]]:
    """(rule, start line, start column, end line, end column) of what the command line
    reports for this file, the columns counted in UTF-16 code units here, independently
    of the server's own conversion."""
    path.write_text(text, encoding="utf-8")
    result = run(Options(paths=[str(path)]))
    assert not result.errors, result.errors
    found = set()
    for f in result.files[0].report.findings:
        if f.scope == "message":
            found.add((f.rule, 0, 0, 0, 0))
            continue
        found.add((f.rule, *_utf16(text, f.span.start), *_utf16(text, f.span.end)))
    return found


def _utf16(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return line, len(text[start:offset].encode("utf-16-le")) // 2


def _shape(diagnostics: list[types.Diagnostic]) -> set[tuple[str, int, int, int, int]]:
    return {(str(d.code), d.range.start.line, d.range.start.character, d.range.end.line,
             d.range.end.character) for d in diagnostics}


def _apply(text: str, edit: types.WorkspaceEdit, uri: str) -> str:
    """Apply a workspace edit as an editor does (UTF-16 positions, right to left)."""
    if edit.document_changes:
        changes = [e for dc in edit.document_changes
                   if isinstance(dc, types.TextDocumentEdit) for e in dc.edits]
    else:
        assert edit.changes is not None
        changes = list(edit.changes[uri])
    lines = text.split("\n")

    def offset(p: types.Position) -> int:
        before = sum(len(line) + 1 for line in lines[:p.line])
        encoded = lines[p.line].encode("utf-16-le")[:p.character * 2]
        return before + len(encoded.decode("utf-16-le"))

    spans = sorted(((offset(c.range.start), offset(c.range.end), c.new_text)
                    for c in changes if isinstance(c, types.TextEdit)), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def _by_rule(diagnostics: list[types.Diagnostic], rule: str) -> types.Diagnostic:
    return next(d for d in diagnostics if d.code == rule)


async def _actions(client: LanguageClient, uri: str,
                   diagnostic: types.Diagnostic) -> list[types.CodeAction]:
    result = await asyncio.wait_for(client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic],
                                            only=[types.CodeActionKind.QuickFix]))),
        TIMEOUT)
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


@pytest.mark.asyncio(loop_scope="module")
async def test_template_diagnostics_at_the_right_ranges_then_after_a_change(
        client: LanguageClient, project: Path) -> None:
    path = project / "templates" / "outage.html.j2"
    published = Published(client)
    uri = _open(client, path, TEMPLATE)
    found = await published.next(uri, None)
    assert _shape(found) == _expected(path, TEMPLATE)
    codes = [d.code for d in found]
    assert "jargon" not in codes  # the project's configuration applies
    # The emoji before the apology is two UTF-16 code units: the finding starts after.
    apology_but = _by_rule(found, "apology-but")
    line = TEMPLATE.split("\n")[2]
    assert apology_but.range.start == types.Position(
        line=2, character=len(line[:line.index("We're")].encode("utf-16-le")) // 2)
    assert apology_but.severity is not None and apology_but.source == "apology-lint"
    assert apology_but.related_information  # the evidence: the flagged words
    # Findings about the whole message: once each, at the top, not on some line.
    message_level = [d for d in found if d.range.start.line == 0 and d.range.end.line == 0
                     and d.range.end.character == 0]
    assert message_level
    assert len({d.code for d in message_level}) == len(message_level)

    # A change: the passive goes, a vague time comes.
    changed = TEMPLATE.replace("Mistakes were made", "We made mistakes").replace(
        "was slow.</p>", "was slow. We will send an update shortly.</p>")
    previous = published.last(uri)
    _change(client, uri, changed, 2)
    found = await published.next(uri, previous)
    assert _shape(found) == _expected(path, changed)
    codes = [d.code for d in found]
    assert "agentless-fault" not in codes
    assert "vague-timeline" in codes


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_shows_the_rule_page(client: LanguageClient, project: Path) -> None:
    path = project / "templates" / "hover.html.j2"
    published = Published(client)
    uri = _open(client, path, TEMPLATE)
    found = await published.next(uri, None)
    agentless = _by_rule(found, "agentless-fault")
    hover = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=agentless.range.start)), TIMEOUT)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "# agentless-fault" in hover.contents.value
    assert "## Why" in hover.contents.value


@pytest.mark.asyncio(loop_scope="module")
async def test_quick_fix_then_disable_actions_make_findings_go(
        client: LanguageClient, project: Path) -> None:
    path = project / "templates" / "fixes.html.j2"
    published = Published(client)
    text = TEMPLATE
    uri = _open(client, path, text)
    found = await published.next(uri, None)

    # Apply the suggestion: the apology stands on its own.
    actions = await _actions(client, uri, _by_rule(found, "apology-but"))
    fix = next(a for a in actions if a.title.startswith("Apply suggestion"))
    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
    assert fix.edit is not None
    text = _apply(text, fix.edit, uri)
    assert "We're sorry for the delay. The issue has now been resolved." in text
    previous = published.last(uri)
    _change(client, uri, text, 2)
    found = await published.next(uri, previous)
    assert "apology-but" not in [d.code for d in found]

    # Disable a rule for one line: a Jinja comment above it.
    actions = await _actions(client, uri, _by_rule(found, "agentless-fault"))
    disable = next(a for a in actions if a.title == "Disable agentless-fault for this line")
    assert disable.edit is not None
    text = _apply(text, disable.edit, uri)
    assert "{# apology-lint: disable-next-line=agentless-fault #}\n<p>Mistakes" in text
    previous = published.last(uri)
    _change(client, uri, text, 3)
    found = await published.next(uri, previous)
    codes = [d.code for d in found]
    assert "agentless-fault" not in codes and "unused-suppression" not in codes

    # Disable a finding about the whole message for the file.
    rule = str(next(d.code for d in found if d.range.end == types.Position(line=0,
                                                                           character=0)))
    actions = await _actions(client, uri, _by_rule(found, rule))
    titles = [a.title for a in actions]
    assert f"Disable {rule} for this line" not in titles  # it is about no line
    disable = next(a for a in actions if a.title == f"Disable {rule} for this file")
    assert disable.edit is not None
    text = _apply(text, disable.edit, uri)
    previous = published.last(uri)
    _change(client, uri, text, 4)
    found = await published.next(uri, previous)
    codes = [d.code for d in found]
    assert rule not in codes and "unused-suppression" not in codes


@pytest.mark.asyncio(loop_scope="module")
async def test_closing_clears_the_diagnostics(client: LanguageClient, project: Path) -> None:
    path = project / "templates" / "closed.html.j2"
    published = Published(client)
    uri = _open(client, path, TEMPLATE)
    await published.next(uri, None)
    previous = published.last(uri)
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert await published.next(uri, previous) == []


# --- outside any project, malformed input, requests out of order ---------------------

BROKEN = ("{% if refund %}\n<p>We apologize {{ name if you were affected.\x00</p>\n"
          "{{/each}} \ud800 {% endfor %}\n<p>Mistakes were made.")


@pytest_asyncio.fixture(loop_scope="module")
async def stray_client(tmp_path: Path) -> AsyncIterator[LanguageClient]:
    # Started in an empty folder, with no workspace: no configuration anywhere above.
    client = await _start(tmp_path)
    yield client
    if client._server is not None and client._server.returncode is None:
        client._server.kill()  # the test failed before the exit notification
    await client.stop()  # type: ignore[no-untyped-call]


@pytest.mark.asyncio(loop_scope="module")
async def test_malformed_documents_and_out_of_order_requests_are_logged_not_fatal(
        stray_client: LanguageClient, tmp_path: Path) -> None:
    client = stray_client
    uri = from_fs_path(str(tmp_path / "broken.html.j2"))
    assert uri is not None
    text_id = types.TextDocumentIdentifier(uri=uri)
    # Before initialize: a request and a notification the server cannot act on yet
    # (sent past pytest-lsp's own checks, which refuse to).
    early = JsonRPCProtocol.send_request_async(client.protocol, types.TEXT_DOCUMENT_HOVER,
                                               types.HoverParams(text_document=text_id,
                                                                 position=types.Position(
                                                                     line=0, character=0)))
    assert await asyncio.wait_for(early, TIMEOUT) is None
    JsonRPCProtocol.notify(client.protocol, types.TEXT_DOCUMENT_DID_CHANGE,
                           types.DidChangeTextDocumentParams(
                               text_document=types.VersionedTextDocumentIdentifier(
                                   uri=uri, version=5),
                               content_changes=[types.TextDocumentContentChangeWholeDocument(
                                   text="text")]))

    await client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(
            workspace=types.WorkspaceClientCapabilities(
                workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True)),
            general=types.GeneralClientCapabilities(
                position_encodings=[types.PositionEncodingKind.Utf16]))))
    # A change to a document never opened, and requests about it.
    _change(client, uri, "We apologize if you were affected.", 2)
    assert await asyncio.wait_for(client.text_document_code_action_async(
        types.CodeActionParams(text_document=text_id, range=types.Range(
            start=types.Position(line=0, character=0), end=types.Position(line=0, character=1)),
            context=types.CodeActionContext(diagnostics=[]))), TIMEOUT) in (None, [], ())

    # A malformed template: unclosed tags, a closing tag with no block, a NUL, a lone
    # surrogate. Its problems are findings; the rest is still linted.
    published = Published(client)
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=uri, language_id="jinja", version=1, text=BROKEN)))
    found = await published.next(uri, None)
    codes = [d.code for d in found]
    assert "template-syntax" in codes
    assert "agentless-fault" in codes
    # Positions far outside the document.
    far = types.Position(line=10_000, character=10_000)
    await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
        text_document=text_id, position=far)), TIMEOUT)
    actions = await asyncio.wait_for(client.text_document_code_action_async(
        types.CodeActionParams(text_document=text_id, range=types.Range(start=far, end=far),
                               context=types.CodeActionContext(diagnostics=[]))), TIMEOUT)
    assert not actions
    # Versioned edits when the client supports them.
    agentless = _by_rule(found, "agentless-fault")
    actions = await _actions(client, uri, agentless)
    assert actions and all(a.edit is not None and a.edit.document_changes for a in actions)

    # Still serving: a new document gets its diagnostics.
    other = from_fs_path(str(tmp_path / "note.txt"))
    assert other is not None
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=other, language_id="plaintext", version=1, text="Mistakes were made.\n")))
    assert "agentless-fault" in [d.code for d in await published.next(other, None)]

    # An unsaved buffer: its syntax is the editor's language (Handlebars here).
    untitled = "untitled:Untitled-1"
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=untitled, language_id="handlebars", version=1,
        text="{{#if refund}}\nMistakes were made.\n")))
    found = await published.next(untitled, None)
    assert "template-syntax" in [d.code for d in found]  # the {{#if}} never closed

    # A broken configuration: one diagnostic at the top saying so, as the CLI would.
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / ".apology-lint.toml").write_text('min-score = "sixty"\n', encoding="utf-8")
    broken_config = from_fs_path(str(bad / "note.txt"))
    assert broken_config is not None
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=broken_config, language_id="plaintext", version=1, text="Mistakes were made.\n")))
    found = await published.next(broken_config, None)
    assert [d.code for d in found] == ["not-linted"]
    assert "min-score" in found[0].message and found[0].range.start.line == 0

    await client.shutdown_session()
    assert client._server is not None and client._server.returncode == 0
    # What went wrong was logged, to the client and on standard error, not raised.
    assert client.error is None


def test_no_comment_is_written_inside_a_tag(linter: Linter) -> None:
    # The flagged line starts inside a tag that spans two lines: a comment there would
    # break the tag, so "for this line" is not offered; "for this file" still is.
    source = "{% if late\n   and sorry %}We apologize for any inconvenience.{% endif %}\n"
    report = linter.lint(source, syntax="jinja", path="x.txt.j2")
    finding = next(f for f in report.findings if f.rule == "inconvenience-euphemism")
    guard = SourceGuard(source, "jinja", "x.txt.j2")
    suppressor = Suppressor(source, guard, PositionIndex(source), frozenset(linter.known_rules))
    assert suppressor.edit(finding, "line") is None
    edit = suppressor.edit(finding, "file")
    assert edit is not None and edit.start == 0
    assert guard.tags(apply_edits(source, [edit]))[1:] == guard.tags(source)
