"""The .eml reader: the text it extracts, and where each word lies in the file."""

from __future__ import annotations

import base64

import pytest

from apology_lint.readers.email import EmailBody, read_eml


def where(body: EmailBody, source: str, word: str, nth: int = 0) -> tuple[int, int]:
    """The source range of the ``nth`` occurrence of ``word`` in the reader's text."""
    i = -1
    for _ in range(nth + 1):
        i = body.layer.text.index(word, i + 1)
    return body.layer.offsets.span(i, i + len(word))


def source_of(body: EmailBody, source: str, word: str, nth: int = 0) -> str:
    start, end = where(body, source, word, nth)
    return source[start:end]


def test_plain_7bit_single_part() -> None:
    source = (
        "From: support@example.com\n"
        "Subject: Sorry about the outage\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "\n"
        "We apologise for the delay.\n"
        "It was our fault.\n"
    )
    body = read_eml(source)
    assert body.layer.text == (
        "Sorry about the outage\n\nWe apologise for the delay.\nIt was our fault.\n"
    )
    assert body.html is False
    assert body.layer.problems == []
    assert where(body, source, "delay") == (source.index("delay"), source.index("delay") + 5)
    assert source_of(body, source, "our fault") == "our fault"
    assert where(body, source, "outage") == (source.index("outage"), source.index("outage") + 6)


def test_no_content_type_defaults_to_plain_and_no_subject_gives_body_only() -> None:
    source = "From: a@example.com\n\nWe are sorry.\n"
    body = read_eml(source)
    assert body.layer.text == "We are sorry.\n"
    assert body.html is False
    assert where(body, source, "sorry") == (28, 33)


def test_folded_subject_is_unfolded_with_a_space() -> None:
    source = (
        "Subject: We are sorry \n"
        "  about the outage\n"
        "\tlast night\n"
        "To: client@example.com\n"
        "\n"
        "Body.\n"
    )
    body = read_eml(source)
    assert body.layer.text == "We are sorry about the outage last night\n\nBody.\n"
    assert source_of(body, source, "sorry about") == "sorry \n  about"
    assert source_of(body, source, "outage") == "outage"
    assert source_of(body, source, "outage last") == "outage\n\tlast"
    assert source_of(body, source, "Body") == "Body"


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        ("=?utf-8?q?Nous_sommes_d=C3=A9sol=C3=A9s?=", "Nous sommes désolés"),
        ("=?UTF-8?B?" + base64.b64encode("Désolé".encode()).decode() + "?=", "Désolé"),
    ],
)
def test_rfc2047_subject_is_decoded_over_the_value(encoded: str, decoded: str) -> None:
    source = f"Subject: {encoded}\nContent-Type: text/plain\n\nBody.\n"
    body = read_eml(source)
    assert body.layer.text == decoded + "\n\nBody.\n"
    assert source_of(body, source, decoded[-6:]) == encoded
    assert source_of(body, source, "Body") == "Body"


ALTERNATIVE = (
    "Subject: Refund\n"
    'Content-Type: multipart/alternative; boundary="b1"\n'
    "\n"
    "This is a multi-part message.\n"
    "--b1\n"
    "Content-Type: text/html; charset=utf-8\n"
    "\n"
    "<p>We will issue a <b>refund</b>.</p>\n"
    "--b1\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "We will issue a refund.\n"
    "--b1--\n"
    "epilogue\n"
)


def test_multipart_alternative_prefers_text_plain() -> None:
    body = read_eml(ALTERNATIVE)
    # The line break before a delimiter belongs to the delimiter.
    assert body.layer.text == "Refund\n\nWe will issue a refund."
    assert body.html is False
    assert body.layer.problems == []
    plain = ALTERNATIVE.index("We will issue a refund.")
    assert where(body, ALTERNATIVE, "refund") == (plain + 16, plain + 22)


def test_html_only_multipart_sets_html() -> None:
    source = (
        "Subject: Sorry\n"
        "Content-Type: multipart/related; boundary=rel\n"
        "\n"
        "--rel\n"
        "Content-Type: text/html; charset=utf-8\n"
        "\n"
        "<p>We are sorry</p>\n"
        "--rel\n"
        "Content-Type: image/png\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "iVBORw0KGgo=\n"
        "--rel--\n"
    )
    body = read_eml(source)
    assert body.html is True
    assert body.layer.text == "Sorry\n\n<p>We are sorry</p>"
    start = source.index("<p>We are sorry")
    assert where(body, source, "We are sorry") == (start + 3, start + 15)


def test_nested_multipart_finds_text_plain() -> None:
    source = (
        "Content-Type: multipart/mixed; boundary=outer\n"
        "\n"
        "--outer\n"
        "Content-Type: multipart/alternative; boundary=inner\n"
        "\n"
        "--inner\n"
        "Content-Type: text/plain\n"
        "\n"
        "Nested apology.\n"
        "--inner--\n"
        "--outer--\n"
    )
    body = read_eml(source)
    assert body.layer.text == "Nested apology."
    assert where(body, source, "apology") == (source.index("apology"), source.index("apology") + 7)


def test_quoted_printable_soft_breaks_and_escapes() -> None:
    source = (
        "Subject: QP\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        "Caf=C3=A9 ferm=\n"
        "=C3=A9 today, 2+2=3D4.   \n"
        "A long line that wra=\n"
        "ps here.\n"
    )
    body = read_eml(source)
    assert body.layer.text == "QP\n\nCafé fermé today, 2+2=4.\nA long line that wraps here.\n"
    assert source_of(body, source, "é") == "=C3=A9"
    assert source_of(body, source, "Café") == "Caf=C3=A9"
    assert source_of(body, source, "fermé") == "ferm=\n=C3=A9"
    assert source_of(body, source, "=") == "=3D"
    assert source_of(body, source, "wraps") == "wra=\nps"
    # Verbatim text maps one to one, and trailing whitespace before a break is dropped.
    assert where(body, source, "today") == (source.index("today"), source.index("today") + 5)
    assert source_of(body, source, "4.\nA") == "4.   \nA"


def test_quoted_printable_with_crlf_soft_breaks() -> None:
    source = (
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "We are ferm=\r\n=C3=A9 today.\r\n"
    )
    body = read_eml(source)
    assert body.layer.text == "We are fermé today.\r\n"
    assert source_of(body, source, "fermé") == "ferm=\r\n=C3=A9"
    assert source_of(body, source, "today.\r\n") == "today.\r\n"


def test_quoted_printable_latin1_charset() -> None:
    source = (
        "Content-Type: text/plain; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        "D=E9sol=E9.\n"
    )
    body = read_eml(source)
    assert body.layer.text == "Désolé.\n"
    assert source_of(body, source, "é", 1) == "=E9"


def test_base64_maps_into_the_encoded_block() -> None:
    message = "We are sorry for the outage on Tuesday. We have refunded the fee.\n"
    encoded = base64.b64encode(message.encode()).decode()
    source = (
        "Subject: Outage\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: base64\n"
        "\n" + encoded + "\n"
    )
    body = read_eml(source)
    assert body.layer.text == "Outage\n\n" + message
    assert body.layer.problems == []
    block = source.index(encoded)
    k = message.index("outage")  # byte offset (the message is ASCII)
    start, end = where(body, source, "outage")
    # Whole base64 groups: 4 characters per 3 bytes.
    assert (start, end) == (block + 4 * (k // 3), block + 4 * -(-(k + 6) // 3))
    assert b"outage" in base64.b64decode(source[start:end])


def test_base64_wrapped_lines_and_multibyte_characters() -> None:
    message = "Nous sommes vraiment désolés pour la panne d'hier soir. Le service est rétabli.\n"
    encoded = base64.encodebytes(message.encode()).decode().replace("\n", "\r\n")
    lines = encoded.split("\r\n")
    assert len(lines) > 1 and len(lines[0]) == 76
    source = (
        "Content-Type: text/plain; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n" + encoded
    )
    body = read_eml(source)
    assert body.layer.text == message
    block_start = source.index(encoded)
    block_end = block_start + len(encoded.rstrip())
    start, end = where(body, source, "panne")
    assert block_start <= start < end <= block_end
    # The span covers whole groups, so decoding it gives the word back, line break skipped.
    assert "panne" in base64.b64decode(source[start:end]).decode("utf-8", "replace")
    start, end = where(body, source, "désolés")
    assert "désolés" in base64.b64decode(source[start:end]).decode("utf-8", "replace")
    # A span across the wrap covers the CRLF between the two groups.
    crossing = source_of(body, source, "soir. Le")
    assert "\r\n" in crossing and len(crossing.replace("\r\n", "")) == 12
    assert base64.b64decode(crossing).decode() == " soir. Le"
    # "é" in "rétabli" is C3 A9, split across two groups: it maps to both.
    split = source_of(body, source, "é", 2)
    assert len(split) == 8 and base64.b64decode(split).decode() == " réta"


def test_crlf_line_endings_are_kept() -> None:
    source = (
        "Subject: Sorry\r\n"
        "Content-Type: multipart/alternative; boundary=\"zz\"\r\n"
        "\r\n"
        "--zz\r\n"
        "Content-Type: text/plain\r\n"
        "\r\n"
        "We are sorry.\r\n"
        "It won't happen again.\r\n"
        "--zz--\r\n"
    )
    body = read_eml(source)
    assert body.layer.text == "Sorry\n\nWe are sorry.\r\nIt won't happen again."
    assert body.layer.problems == []
    assert source_of(body, source, "sorry.\r\nIt") == "sorry.\r\nIt"
    again = source.index("again")
    assert where(body, source, "again") == (again, again + 5)


def test_latin1_8bit_part_is_decoded_with_its_charset() -> None:
    raw = (
        b"Subject: Apology\n"
        b"Content-Type: text/plain; charset=windows-1252\n"
        b"Content-Transfer-Encoding: 8bit\n"
        b"\n"
        b"We\x92re d\xe9sol\xe9s.\n"
    )
    source = raw.decode("latin-1")  # what the caller does when UTF-8 fails
    body = read_eml(source)
    assert body.layer.text == "Apology\n\nWe\u2019re d\u00e9sol\u00e9s.\n"
    start, end = where(body, source, "We\u2019re")
    assert (start, end) == (raw.index(b"We\x92re"), raw.index(b"We\x92re") + 5)
    assert source[start:end] == "We\x92re"


def test_missing_boundary_is_a_problem_not_an_exception() -> None:
    source = (
        "Subject: Sorry\n"
        'Content-Type: multipart/mixed; boundary="xyz"\n'
        "\n"
        "--abc\n"
        "Content-Type: text/plain\n"
        "\n"
        "Lost text.\n"
    )
    body = read_eml(source)
    messages = [p.message for p in body.layer.problems]
    assert messages == ["multipart boundary 'xyz' not found", "no text/plain or text/html part"]
    problem = body.layer.problems[0]
    assert source[problem.start:problem.end] == "--abc\nContent-Type: text/plain\n\nLost text.\n"
    assert body.layer.text == "Sorry\n\n"


def test_unclosed_boundary_still_reads_the_last_part() -> None:
    source = (
        "Content-Type: multipart/mixed; boundary=b\n"
        "\n"
        "--b\n"
        "Content-Type: text/plain\n"
        "\n"
        "Still readable.\n"
    )
    body = read_eml(source)
    assert body.layer.text == "Still readable.\n"
    assert [p.message for p in body.layer.problems] == ["multipart boundary 'b' is never closed"]
    problem = body.layer.problems[0]
    assert source[problem.start:problem.end] == "--b\n"  # at the body's start: no line break


def test_undecodable_base64_is_a_problem() -> None:
    source = (
        "Content-Type: text/plain\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "V2Ug!!!\n"
    )
    body = read_eml(source)
    assert body.layer.text == "We "
    assert len(body.layer.problems) == 1
    problem = body.layer.problems[0]
    assert problem.message.startswith("undecodable base64")
    assert (problem.start, problem.end) == (source.index("!"), source.index("!") + 1)


def test_attachment_is_skipped() -> None:
    source = (
        "Subject: Incident report\n"
        "Content-Type: multipart/mixed; boundary=mix\n"
        "\n"
        "--mix\n"
        "Content-Type: text/plain\n"
        'Content-Disposition: attachment; filename="log.txt"\n'
        "\n"
        "ERROR disk full\n"
        "--mix\n"
        "Content-Type: text/plain\n"
        "Content-Disposition: inline\n"
        "\n"
        "We are sorry for the outage.\n"
        "--mix--\n"
    )
    body = read_eml(source)
    assert body.layer.text == "Incident report\n\nWe are sorry for the outage."
    assert "ERROR" not in body.layer.text
    start = source.index("We are sorry")
    assert where(body, source, "sorry") == (start + 7, start + 12)


@pytest.mark.parametrize(
    "source",
    ["", "\n", "no headers, no blank line", "Subject: only\n", "Content-Type: multipart/x\n\n",
     "Content-Type: text/plain; charset=bogus\nContent-Transfer-Encoding: base64\n\nQQ",
     "Subject: =?utf-8?b?!!!?=\n\nbody"],
)
def test_malformed_input_never_raises(source: str) -> None:
    body = read_eml(source)
    # Every piece of the map stays inside the source.
    for piece in body.layer.offsets.pieces:
        assert 0 <= piece.src_start <= piece.src_end <= len(source)
    assert body.layer.offsets.out_length == len(body.layer.text)
