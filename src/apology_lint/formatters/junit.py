"""``--format junit``: JUnit XML for Jenkins, GitLab and other test-report consumers.

One test case per file; each finding at or above the fail level is a failure of it, and
the findings below it are listed in the case's output.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..models import SEVERITY_RANK, RunReport

# Characters XML 1.0 cannot hold at all (control characters other than tab, LF and CR,
# lone surrogates, U+FFFE/U+FFFF): a file's words quoted in a suggestion may contain them,
# and one would make the whole report unparseable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render(run: RunReport, fail_level: str) -> str:
    threshold = SEVERITY_RANK[fail_level]
    suite = ET.Element("testsuite", name="apology-lint", tests=str(len(run.files)))
    failed = 0
    gates = {g.path: g for g in run.summary.below_min_score}
    for report in run.files:
        path = report.path or "-"
        case = ET.SubElement(suite, "testcase", classname="apology-lint", name=path, file=path)
        below = []
        gate = gates.get(path)
        if gate:
            ET.SubElement(case, "failure", type="min-score",
                          message=f"{path}: score {gate.score} is below the minimum score "
                                  f"{gate.min_score}")
        for f in report.findings:
            where = path if f.scope == "message" else f"{path}:{f.span.line}:{f.span.column}"
            if SEVERITY_RANK[f.severity] >= threshold:
                failure = ET.SubElement(case, "failure", type=f.rule,
                                        message=f"{where} {f.severity} {f.rule}: {f.message}")
                failure.text = f"{f.text!r}\nSuggestion: {f.suggestion}"
            else:
                below.append(f"{where} {f.severity} {f.rule}: {f.message}")
        if len(case):
            failed += 1
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join([f"{report.kind} · score {report.score}/100 · {report.band}",
                              *below])
    suite.set("failures", str(failed))
    suites = ET.Element("testsuites", name="apology-lint", tests=str(len(run.files)),
                        failures=str(failed))
    suites.append(suite)
    for element in suites.iter():
        element.text = _xml(element.text) if element.text else element.text
        element.attrib = {key: _xml(value) for key, value in element.attrib.items()}
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") \
        + "\n"
