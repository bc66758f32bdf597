"""The language server: diagnostics as the writer types, hover, and quick fixes.

Protocol work happens on pygls' event loop; linting on one worker thread, so the loop
keeps reading messages while spaCy parses, and every lint sees the same warm linter
(``Session``). A change is linted after ``debounce_ms`` without another change; a lint
whose document has moved on by the time it finishes is dropped, never published.

Nothing a client sends ends the server: a handler that fails logs the error (to the
client's log and to standard error) and answers with nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..config import CONFIG_FILES
from .actions import code_actions
from .diagnostics import diagnostics, findings_at, hover_text
from .positions import Encoding, PositionIndex, encoding_of
from .session import Outcome, Session

log = logging.getLogger("apology_lint.server")

DEFAULT_DEBOUNCE_MS = 150
T = TypeVar("T")


class ServerSettings(BaseModel):
    """What the client may set in ``initializationOptions`` (camelCase there):
    ``{"debounceMs": 150, "config": "path/to/pyproject.toml", "isolated": false}``.
    Unknown keys are ignored (editors send their own); a bad value is logged and the
    command line's setting kept."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True,
                              alias_generator=to_camel)

    debounce_ms: int = Field(default=DEFAULT_DEBOUNCE_MS, ge=0, le=10_000)
    config: Path | None = None
    isolated: bool = False


@dataclass
class OpenDocument:
    uri: str
    version: int | None
    text: str
    language_id: str | None
    changed_at: float  # time.perf_counter() of the last change, for the timing log


class ApologyServer(LanguageServer):
    def __init__(self, settings: ServerSettings) -> None:
        super().__init__("apology-lint", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.settings = settings
        self.session: Session | None = None  # made at initialize
        self.documents: dict[str, OpenDocument] = {}
        self.outcomes: dict[str, Outcome] = {}
        self.pending: dict[str, asyncio.Future[None]] = {}
        # One thread: the linter's caches are not shared between threads, and lints of
        # one document then finish in the order they were asked for.
        self.linting = ThreadPoolExecutor(max_workers=1, thread_name_prefix="apology-lint")
        self.encoding: Encoding = "utf-16"
        self.versioned_edits = False

    # --- errors ---------------------------------------------------------------------

    def report_server_error(self, error: Exception, source: Any) -> None:
        # pygls' default pops a message up in the editor for every failed notification;
        # a log line is enough, and the server carries on.
        log.error("%s: %s", getattr(source, "__name__", source), error)

    # --- linting --------------------------------------------------------------------

    def schedule(self, uri: str, delay: float) -> None:
        previous = self.pending.pop(uri, None)
        if previous is not None and not previous.done():
            previous.cancel()
        self.pending[uri] = asyncio.ensure_future(self._lint_later(uri, delay))

    async def _lint_later(self, uri: str, delay: float) -> None:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            outcome = await self.lint_now(uri)
            if outcome is not None:
                self.publish(outcome)
        except asyncio.CancelledError:
            pass  # a newer change took over
        except Exception:
            log.exception("linting %s failed", uri)

    async def lint_now(self, uri: str) -> Outcome | None:
        """Lint the document's current text (on the lint thread); ``None`` when it was
        closed, or changed again, before the lint finished."""
        doc = self.documents.get(uri)
        if doc is None or self.session is None:
            return None
        session = self.session
        outcome = await self.in_lint_thread(
            lambda: session.lint(uri, doc.version, doc.text, doc.language_id))
        current = self.documents.get(uri)
        if current is None or current.version != doc.version or current.text != doc.text:
            return None
        self.outcomes[uri] = outcome
        return outcome

    async def in_lint_thread(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.linting, work)

    async def current(self, uri: str) -> Outcome | None:
        """The outcome for the document's current text: the last one if it is current,
        else a fresh lint (a request came in before the debounced lint ran)."""
        doc = self.documents.get(uri)
        outcome = self.outcomes.get(uri)
        if doc is None:
            return None
        if outcome is not None and outcome.text == doc.text and outcome.version == doc.version:
            return outcome
        return await self.lint_now(uri)

    def publish(self, outcome: Outcome) -> None:
        index = self.index(outcome.text)
        if outcome.skipped:
            log.info("%s", outcome.skipped)
        if outcome.error:
            log.warning("%s: %s", outcome.uri, outcome.error)
        found = diagnostics(outcome, index)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=outcome.uri, diagnostics=found, version=outcome.version))
        doc = self.documents.get(outcome.uri)
        if doc is not None:
            waited = time.perf_counter() - doc.changed_at
            # What benchmarks/lsp_latency.py --server-log reads.
            log.debug("%s: %d diagnostics, %.0f ms after the change (%.0f ms linting)",
                      outcome.uri, len(found), waited * 1000, outcome.seconds * 1000)

    def index(self, text: str) -> PositionIndex:
        return PositionIndex(text, self.encoding)

    def configuration_changed(self) -> None:
        """A configuration file changed: read them again and lint every open document."""
        if self.session is None:
            return
        session = self.session
        self.linting.submit(session.reset)  # on the lint thread, after the running lint
        for uri in list(self.documents):
            self.schedule(uri, 0)

    def stop(self) -> None:
        for future in self.pending.values():
            future.cancel()
        self.pending.clear()
        self.linting.shutdown(wait=False, cancel_futures=True)


_Handler = Callable[[ApologyServer, Any], Awaitable[Any]]


def _guarded(default: object) -> Callable[[_Handler], _Handler]:
    """A handler that logs what goes wrong and answers ``default``, whatever it is sent."""

    def wrap(handler: _Handler) -> _Handler:
        # The first parameter must be called ``ls``: that is how pygls knows to pass
        # the server.
        async def guarded(ls: ApologyServer, params: Any) -> Any:
            try:
                return await handler(ls, params)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s failed", handler.__name__)
                return default

        guarded.__name__ = handler.__name__
        guarded.__doc__ = handler.__doc__
        return guarded

    return wrap


def _is_config(uri: str) -> bool:
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return path is not None and Path(path).name in CONFIG_FILES


def create_server(settings: ServerSettings | None = None) -> ApologyServer:
    server = ApologyServer(settings or ServerSettings())

    @server.feature(types.INITIALIZE)
    @_guarded(None)
    async def initialize(ls: ApologyServer, params: types.InitializeParams) -> None:
        settings = ls.settings
        if params.initialization_options:
            try:
                given = ServerSettings.model_validate(params.initialization_options)
                settings = settings.model_copy(
                    update={k: getattr(given, k) for k in given.model_fields_set})
            except ValidationError as exc:
                log.error("initializationOptions ignored: %s", exc)
        ls.settings = settings
        root = None
        folders = params.workspace_folders or []
        for uri in [f.uri for f in folders] + [params.root_uri or ""]:
            path = to_fs_path(uri) if uri.startswith("file:") else None
            if path:
                root = Path(path)
                break
        ls.session = Session(settings.config, settings.isolated, root)
        ls.encoding = encoding_of(ls.workspace.position_encoding)
        edit = params.capabilities.workspace and params.capabilities.workspace.workspace_edit
        ls.versioned_edits = bool(edit and edit.document_changes)
        log.info("apology-lint %s: root %s, position encoding %s, debounce %d ms",
                 __version__, root or "(none)", ls.encoding, settings.debounce_ms)

    @server.feature(types.INITIALIZED)
    @_guarded(None)
    async def initialized(ls: ApologyServer, params: types.InitializedParams) -> None:
        session = ls.session
        if session is None:
            return

        def warm() -> None:
            try:
                session.warm()
            except Exception as exc:  # shown on the first document instead
                log.warning("could not prepare the linter: %s", exc)

        ls.linting.submit(warm)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @_guarded(None)
    async def did_open(ls: ApologyServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        ls.documents[item.uri] = OpenDocument(item.uri, item.version, item.text,
                                              item.language_id, time.perf_counter())
        ls.schedule(item.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @_guarded(None)
    async def did_change(ls: ApologyServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        doc = ls.documents.get(uri)
        if doc is None:
            log.warning("didChange for %s, which is not open: ignored", uri)
            return
        # pygls has applied the changes (whole text, or ranges if a client sends them).
        text = ls.workspace.get_text_document(uri).source
        ls.documents[uri] = OpenDocument(uri, params.text_document.version, text,
                                         doc.language_id, time.perf_counter())
        ls.schedule(uri, ls.settings.debounce_ms / 1000)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @_guarded(None)
    async def did_close(ls: ApologyServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        pending = ls.pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        ls.documents.pop(uri, None)
        ls.outcomes.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @_guarded(None)
    async def did_save(ls: ApologyServer, params: types.DidSaveTextDocumentParams) -> None:
        if _is_config(params.text_document.uri):
            ls.configuration_changed()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @_guarded(None)
    async def watched(ls: ApologyServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(_is_config(change.uri) for change in params.changes):
            ls.configuration_changed()

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @_guarded(None)
    async def hover(ls: ApologyServer, params: types.HoverParams) -> types.Hover | None:
        outcome = await ls.current(params.text_document.uri)
        if outcome is None or outcome.report is None:
            return None
        index = ls.index(outcome.text)
        offset = index.offset(params.position)
        found = findings_at(outcome.report, index, offset, params.position.line)
        if not found:
            return None
        return types.Hover(contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value=hover_text(found, outcome)))

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix]))
    @_guarded([])
    async def code_action(ls: ApologyServer, params: types.CodeActionParams
                          ) -> list[types.CodeAction]:
        outcome = await ls.current(params.text_document.uri)
        if outcome is None:
            return []
        return code_actions(outcome, ls.index(outcome.text), params.range,
                            ls.versioned_edits, list(params.context.only or []))

    @server.feature(types.SHUTDOWN)
    @_guarded(None)
    async def shutdown(ls: ApologyServer, params: None) -> None:
        ls.stop()

    return server


def serve(settings: ServerSettings, stdin: Any, stdout: Any) -> int:
    """Run until the client says exit (or goes away). 0 after a shutdown request, 1
    without one (the protocol's exit codes)."""
    server = create_server(settings)
    try:
        server.start_io(stdin, stdout)
    finally:
        with contextlib.suppress(Exception):
            server.stop()
    return 0 if getattr(server.protocol, "_shutdown", False) else 1
