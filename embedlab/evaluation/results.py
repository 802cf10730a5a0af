"""TODO"""

from __future__ import annotations

import json
import math
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.evaluation.benchmarks import BUILTIN_PAIRS
from embedlab.metrics import RETRIEVAL_K

if TYPE_CHECKING:
    pass


RESULTS_FILE = "evaluation.json"


def save_run_results(spec: str, corpus_id: str | None, section: str, payload: Any) -> bool:
    """Keep an evaluation result with the run it scored (``runs/<id>/evaluation.json``, written atomically), so
    the Runs page shows it; other spaces (baseline, files, derived copies) keep nothing. Returns whether kept.

    Args:
        section: ``benchmarks``, ``task``, ``retrieval`` or ``weat``; payload: plain JSON-able data.
    """
    from embedlab import store

    folder = store.runs_dir() / spec
    if store.get_run(spec) is None or not folder.is_dir():
        return False
    saved = run_results(spec)
    saved[section] = {"corpus_id": corpus_id, "saved": time.time(), "result": payload}
    store.write_bytes(folder / RESULTS_FILE, json.dumps(saved, ensure_ascii=False, default=_plain).encode("utf-8"))
    return True


def _plain(value: Any) -> Any:
    """JSON for numpy scalars; NaN stays NaN (json writes it, and reads it back)."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in {RESULTS_FILE}")


def run_results(run_id: str) -> dict[str, Any]:
    """A run's stored evaluation results by section (empty when it was never evaluated or the file is damaged)."""
    from embedlab import store

    path = store.runs_dir() / run_id / RESULTS_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


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
