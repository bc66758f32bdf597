"""A real editor: headless Neovim (its built-in LSP client) runs the language server on a
file and shows the diagnostics the command line reports, at the same places.

Needs ``nvim`` (Debian's ``neovim``; .ci/run installs it like Chromium); skipped, with a
message, without it. The Lua uses only what Neovim 0.7 (Debian 12) already has."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from apology_lint.runner import Options, run

SCRIPT = r"""
local out = os.getenv('APOLOGY_OUT')
local id = vim.lsp.start_client({
  name = 'apology-lint',
  cmd = { os.getenv('APOLOGY_PYTHON'), '-m', 'apology_lint.server' },
  root_dir = vim.fn.getcwd(),
})
vim.lsp.buf_attach_client(0, id)
vim.wait(90000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local lines = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or ''
  table.insert(lines, string.format('%s %d %d %d %d', code, d.lnum, d.col, d.end_lnum,
                                    d.end_col))
end
vim.fn.writefile(lines, out)
vim.lsp.stop_client(id)
vim.wait(10000, function() return vim.tbl_isempty(vim.lsp.get_active_clients()) end, 50)
vim.cmd('qa!')
"""

MESSAGE = ("Hi Dana,\n\nMistakes were made during the migration, and we apologize for any "
           "inconvenience this may have caused.\n")


def test_headless_neovim_shows_the_diagnostics(tmp_path: Path) -> None:
    nvim = shutil.which("nvim")
    if nvim is None:
        pytest.skip("nvim is not installed (Debian: apt-get install neovim); the Neovim "
                    "test is skipped")
    (tmp_path / "apology.txt").write_text(MESSAGE, encoding="utf-8")
    script = tmp_path / "lsp.lua"
    script.write_text(SCRIPT, encoding="utf-8")
    out = tmp_path / "diagnostics.txt"
    env = {**os.environ, "APOLOGY_OUT": str(out), "APOLOGY_PYTHON": sys.executable}
    done = subprocess.run([nvim, "--headless", "--clean", "apology.txt", "-c",
                           f"luafile {script}"], cwd=tmp_path, env=env, timeout=180,
                          capture_output=True, text=True, check=False)
    assert out.exists(), done.stderr
    shown = {tuple(line.split()) for line in out.read_text(encoding="utf-8").splitlines()}

    result = run(Options(paths=[str(tmp_path / "apology.txt")]))
    expected = set()
    for f in result.files[0].report.findings:
        if f.scope == "message":
            expected.add((f.rule, "0", "0", "0", "0"))
        else:  # ASCII text: Neovim's byte columns are the characters'
            expected.add((f.rule, str(f.span.line - 1), str(f.span.column - 1),
                          str(f.span.end_line - 1), str(f.span.end_column - 1)))
    assert shown == expected
    assert any(rule == "agentless-fault" for rule, *_ in shown)
