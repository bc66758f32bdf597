"""One report from the versions of a message a template can produce: each version is
linted on its own (``template.variants``), and their findings and evidence are merged
here, in source offsets."""

from __future__ import annotations

from ..models import ELEMENT_NAMES, ElementName, Elements, Evidence, Finding
from ..positions import Ranges
from .template import Variant


def merge_findings(versions: list[tuple[Variant, list[Finding]]]) -> list[Finding]:
    """Every version's findings, once each. A finding some versions of the message get
    and others (that contain the same words) don't says which branches it holds for.
    A message-level finding (something missing) is one finding whatever the version,
    at the place the first version that has it points to."""
    covered = [Ranges(variant.layer.offsets.covered()) for variant, _ in versions]
    fired: dict[tuple[str, int, int], list[int]] = {}
    first: dict[tuple[str, int, int], Finding] = {}
    for i, (_, findings) in enumerate(versions):
        for f in findings:
            key = (f.rule, -1, -1) if f.scope == "message" else \
                (f.rule, f.span.start, f.span.end)
            fired.setdefault(key, []).append(i)
            first.setdefault(key, f)
    merged = []
    for key, finding in first.items():
        containing = (range(len(versions)) if key[1] == -1 else
                      [i for i, ranges in enumerate(covered) if key[1] in ranges])
        variant = versions[fired[key][0]][0]
        if len(fired[key]) < len(containing) and variant.branches:
            note = (" This holds only for some recipients: those who get "
                    f"{'; '.join(variant.branches[:3])}.")
            finding = finding.model_copy(update={"message": finding.message + note})
        merged.append(finding)
    return merged


def merge_elements(evidence: list[dict[str, list[Evidence]]]) -> Elements:
    """Each part's evidence from every version (``evidence``: one dict per version); a
    part only some versions have is ``conditional``."""
    merged: dict[str, list[Evidence]] = {}
    conditional: list[ElementName] = []
    for name in ELEMENT_NAMES:
        seen: dict[tuple[int, int], Evidence] = {}
        for version in evidence:
            for e in version[name]:
                seen.setdefault((e.start, e.end), e)
        merged[name] = sorted(seen.values(), key=lambda e: (e.start, e.end))
        present = [bool(version[name]) for version in evidence]
        if any(present) and not all(present):
            conditional.append(name)
    return Elements(**merged, conditional=conditional)
