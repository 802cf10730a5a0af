"""Results kept with the runs they scored (``runs/<id>/evaluation.json``), and their summary for the Runs page.

The file holds one entry per section (``benchmarks``, ``task``, ``retrieval``, ``weat``):
``{"corpus_id": ..., "saved": <unix time>, "result": <plain JSON>}``. Spaces that are not runs (the baseline,
vectors files, derived copies) keep nothing. What goes into each section is built in one place,
:meth:`embedlab.evaluation.run.SpaceEvaluation.payloads`; :func:`embedlab.evaluation.run.save_results` writes it.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

from embedlab import store
from embedlab.evaluation.benchmarks import BUILTIN_PAIRS
from embedlab.metrics import RETRIEVAL_K

RESULTS_FILE = "evaluation.json"


SECTIONS = ("benchmarks", "task", "retrieval", "weat")


def save_run_results(spec: str, corpus_id: str | None, section: str, payload: Any) -> bool:
    """Keep one section of a run's results with it (replacing what the section held), so the Runs page shows it.

    Args:
        spec: the space the result belongs to; only a run keeps anything.
        corpus_id: the corpus the result was computed on (None: none).
        section: one of :data:`SECTIONS`.
        payload: plain JSON-able data (numpy scalars and NaN are fine).

    Returns:
        Whether ``spec`` is a run that keeps it (also when the stored content was already identical).
    """
    return write_run_results(spec, corpus_id, {section: payload}) is not None


def write_run_results(
    spec: str, corpus_id: str | None, sections: Mapping[str, Any], merged: Collection[str] = ()
) -> tuple[str, ...] | None:
    """Write several sections of a run's results in one atomic write; a section whose stored corpus and content
    are identical is left alone, so saving the same results again writes nothing.

    Args:
        spec: the space the results belong to; only a run keeps anything.
        corpus_id: the corpus they were computed on.
        sections: section name (see :data:`SECTIONS`) -> plain JSON-able payload.
        merged: sections whose payload is a dict by name (``weat``: test name -> result) to merge into the stored
            dict (a name given replaces its entry, the others stay), rather than replace.

    Returns:
        The sections written, in order (empty when nothing changed); None when ``spec`` is not a run.
    """
    folder = store.runs_dir() / spec
    if store.get_run(spec) is None or not folder.is_dir():
        return None
    saved = run_results(spec)
    written = []
    for section, payload in sections.items():
        stored = saved.get(section) or {}
        if section in merged and isinstance(stored.get("result"), dict) and isinstance(payload, Mapping):
            payload = {**stored["result"], **payload}
        if stored.get("corpus_id") == corpus_id and _canonical(stored.get("result")) == _canonical(payload):
            continue
        saved[section] = {"corpus_id": corpus_id, "saved": time.time(), "result": payload}
        written.append(section)
    if written:
        store.write_bytes(folder / RESULTS_FILE, json.dumps(saved, ensure_ascii=False, default=_plain).encode("utf-8"))
    return tuple(written)


def _canonical(value: Any) -> str:
    """The JSON text a value is stored as, keys sorted: equal texts mean equal stored content (NaN included)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_plain)


def _plain(value: Any) -> Any:
    """JSON for numpy scalars; NaN stays NaN (json writes it, and reads it back)."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in {RESULTS_FILE}")


def run_results(run_id: str) -> dict[str, Any]:
    """A run's stored evaluation results by section (empty when it was never evaluated or the file is damaged)."""
    path = store.runs_dir() / run_id / RESULTS_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def kept_weat(spec: str) -> dict[str, dict[str, Any]]:
    """The WEAT tests kept with a run (test name -> effect_size, p_value, used, and, for results saved since they
    were kept, p_value_other_way, vocabulary and the lists tested, and since intervals were, ci_low and ci_high:
    read them with ``.get``), in the order first kept; empty for a space that is not a run or was never tested."""
    if store.get_run(spec) is None:
        return {}
    found = run_results(spec).get("weat", {}).get("result")
    return dict(found) if isinstance(found, dict) else {}


def results_summary(run_id: str) -> dict[str, float]:
    """A run's stored results as flat columns for the Runs page: each benchmark's score, the task accuracy and
    macro-F1, held-out MRR@10, WEAT effect sizes (NaN where never evaluated)."""
    saved = run_results(run_id)
    columns = {f"{name} ρ": math.nan for name in BUILTIN_PAIRS}
    columns.update(
        {
            "analogies": math.nan,
            "task accuracy": math.nan,
            "task macro-F1": math.nan,
            f"retrieval MRR@{RETRIEVAL_K}": math.nan,
        }
    )
    for row in saved.get("benchmarks", {}).get("result", []):
        if row["benchmark"] in BUILTIN_PAIRS:
            columns[f"{row['benchmark']} ρ"] = row["score"]
        elif row["metric"] == "accuracy":
            columns["analogies"] = row["score"]
    task = saved.get("task", {}).get("result")
    if task:
        columns["task accuracy"], columns["task macro-F1"] = task["accuracy"], task["macro_f1"]
    found = saved.get("retrieval", {}).get("result")
    if found:
        columns[f"retrieval MRR@{RETRIEVAL_K}"] = found["mrr"]
    for name, weat_result in saved.get("weat", {}).get("result", {}).items():
        columns[f"WEAT d: {name}"] = weat_result["effect_size"]
    return columns
