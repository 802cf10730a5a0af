#!/usr/bin/env python
"""Calibration measured, not asserted (issue 25.3): how often Evaluate and the Verdict declare a difference between
runs of ONE configuration (every difference is seed noise), before and after the seed-aware tests, and how often they
still find a planted one.

Two corpora, each ingested into a scratch ``EMBEDLAB_HOME``:

* **packages**: short labelled documents, the one-line Debian package synopses of ``bench/verdict_scale.py``
  (``package_rows``: 20,000, 12 section labels; a generated corpus of that shape where apt has none). Uses: word
  similarity, held-out retrieval (pairs of documents sharing a label), the label task;
* **docs**: long documentation, ``verdict_scale.write_big_text`` (the machine's ``/usr/share/doc`` and the Python
  standard library's docstrings) at 500,000 tokens. No labels: word similarity and held-out retrieval
  (neighbouring sentences).

On each, k runs of one configuration (``TrainConfig`` defaults, the Train page's: Word2Vec CBOW, dim 100, window 5,
min_count 5, 5 epochs; ``workers=1``), each trained with ``seeds=3`` from base seeds 1, 11, 21, ... (seeds never
shared), and d runs of the same configuration on a **damaged** copy of the corpus: half of its documents (chosen
with a seed) have their tokens shuffled across those documents, so every word keeps its frequency and the
vocabulary stays the same, but half of the contexts are noise (a corpus half of which is garbled extraction or
boilerplate). All runs are evaluated once on the clean corpus (``evaluation.evaluate_spaces``: every seed scored).

* **Evaluate**, per pair of runs (what the page shows for two spaces, one Holm family per table):
  ``evaluation.space_differences`` over seeds x items ("after"), and the same with each run's own seed only
  (``training`` ONE_SEED, no ``seeds``: the test of the files, McNemar / paired bootstrap) read at its raw p < 0.05
  ("before", what the page said before issue 25). Per use: WordSim-353 Spearman, held-out MRR@10, label-task
  accuracy. Goal: after, at most 5% of the seed pairs declared different.
* **Verdict**: each clean run in turn as the baseline, the other k - 1 as candidates
  (``verdict.build_verdict`` with ``evaluated`` = those spaces' evaluations, baseline first): headlines that
  start "Use " or "Keep " per use. Goal: none. "Before": the rule before issue 25 (a candidate's raw p < 0.05 on
  the files' test names it; all candidates worse at raw p < 0.05 keeps the baseline) on the single-seed view; and
  what today's verdict says of that view ("Not a claim yet").
* **Planted**: every clean-vs-damaged pair, the same two tests: the share declared with the clean run better
  (power) and the median effect (clean - damaged).

Usage::

    python bench/seed_claims.py [--quick] [--runs K] [--damaged D] [--corpus packages|docs|both]

About 15 minutes on 2 busy cores; ``--quick`` (10,000 packages, 150,000 tokens of docs, k = 4, d = 2) about 3.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402
import verdict_scale  # noqa: E402

_common.pin_threads()

NAME = "seed_claims"
RUNS, QUICK_RUNS = 6, 4
DAMAGED_RUNS, QUICK_DAMAGED_RUNS = 3, 2
PACKAGES, QUICK_PACKAGES = 20_000, 10_000
DOC_TOKENS, QUICK_DOC_TOKENS = 500_000, 150_000
SEEDS = 3  # per run (TrainConfig.seeds)
DAMAGED_SHARE = 0.5  # share of documents whose tokens are shuffled across them
ALPHA = 0.05
FALSE_POSITIVE_GOAL = 0.05
CLAIMS = ("Use ", "Keep ")  # headlines that recommend a space


@dataclasses.dataclass(frozen=True)
class Use:
    """One use the verdict answers, and the row of a differences table that measures it."""

    name: str
    benchmark: str
    metric: str


def _uses() -> tuple[Use, ...]:
    from embedlab.evaluation.measures import RETRIEVAL_MRR, TASK_ACCURACY, similarity

    return tuple(
        Use(name, measure.benchmark, str(measure.metric))
        for name, measure in (
            ("word similarity", similarity("WordSim-353")),
            ("retrieval", RETRIEVAL_MRR),
            ("label task", TASK_ACCURACY),
        )
    )


# ------------------------------------------------------------------------------------------------------ data


def damaged(texts: list[str], share: float, seed: int) -> list[str]:
    """The texts with ``share`` of them (chosen with ``seed``) refilled, each to its own length, from all their
    whitespace tokens shuffled together: frequencies and vocabulary kept, those documents' contexts destroyed."""
    import numpy as np

    rng = np.random.default_rng(seed)
    chosen = rng.permutation(len(texts))[: round(share * len(texts))]
    tokens = [texts[i].split() for i in chosen]
    pool = [word for words in tokens for word in words]
    order = rng.permutation(len(pool))
    out, at = list(texts), 0
    for i, words in zip(chosen, tokens):
        out[i] = " ".join(pool[j] for j in order[at : at + len(words)])
        at += len(words)
    return out


def _csv(rows: list[tuple[str, str]]) -> bytes:
    handle = io.StringIO()
    writer = csv.writer(handle)
    writer.writerow(["text", "label"])
    writer.writerows(rows)
    return handle.getvalue().encode()


def packages_corpora(count: int) -> tuple[Any, Any, str]:
    """The clean and damaged package corpora (labels unchanged), and where the rows come from."""
    from embedlab.corpus import ReadOptions, build_corpus

    rows, source = verdict_scale.package_rows(count)
    texts = damaged([text for text, _ in rows], DAMAGED_SHARE, seed=0)
    options = ReadOptions("text", "label")
    clean = build_corpus("packages.csv", _csv(rows), options)
    broken = build_corpus("packages-damaged.csv", _csv([(t, label) for t, (_, label) in zip(texts, rows)]), options)
    return clean, broken, source


def docs_corpora(folder: Path, tokens: int) -> tuple[Any, Any, str]:
    """The clean and damaged documentation corpora (paragraphs as documents), and where the text comes from."""
    from embedlab.corpus import build_corpus

    path = folder / "docs.txt"
    source = verdict_scale.write_big_text(path, tokens)
    paragraphs = [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    clean = build_corpus("docs.txt", "\n\n".join(paragraphs).encode())
    broken = build_corpus("docs-damaged.txt", "\n\n".join(damaged(paragraphs, DAMAGED_SHARE, seed=0)).encode())
    return clean, broken, source


# ------------------------------------------------------------------------------------------------ measuring


def _one_seed(parts: dict[str, Any]) -> dict[str, Any]:
    """A run's parts as the files' test reads them: its own seed only (what Evaluate compared before issue 25)."""
    from embedlab import evaluation

    return {**parts, "training": evaluation.Training.ONE_SEED, "seeds": ()}


def _row(rows: list[dict[str, Any]], use: Use) -> dict[str, Any] | None:
    found = [row for row in rows if row["benchmark"] == use.benchmark and row["metric"] == use.metric]
    return found[0] if found else None


def compare_pair(a: Any, b: Any, uses: tuple[Use, ...]) -> dict[str, dict[str, Any]]:
    """Per use, what the two tests say of runs ``a`` and ``b`` (their :class:`SpaceEvaluation`): ``after`` (seeds x
    items, Holm over the pair's table: declared when its verdict is not "no significant difference"), ``before``
    (each run's own seed, the files' test at its raw p < 0.05), and the difference a - b (seed-averaged)."""
    from embedlab import evaluation

    after = evaluation.space_differences(a.space, b.space, a.parts(), b.parts())
    before = evaluation.space_differences(a.space, b.space, _one_seed(a.parts()), _one_seed(b.parts()))
    found = {}
    for use in uses:
        seeded, files = _row(after, use), _row(before, use)
        if seeded is None or files is None:
            continue
        found[use.name] = {
            "after": seeded["verdict"] != evaluation.NO_DIFFERENCE,
            "after_p": seeded["p_value"],
            "after_p_adjusted": seeded["p_adjusted"],
            "before": bool(files["p_value"] < ALPHA),
            "before_p": files["p_value"],
            "difference": seeded["difference"],
            "files_difference": files["difference"],
            "items": seeded["items"],
        }
    return found


def _old_rule(rows: Any) -> bool:
    """Whether the verdict before issue 25 made a claim from these candidates' rows (its ``_headline``): "Use X"
    when a candidate leads at raw p < 0.05 on the files' test, "Keep" the baseline when every candidate trails at
    raw p < 0.05."""
    rows = rows.dropna(subset=["difference"])
    if rows.empty:
        return False
    significant = rows["p_value"] < ALPHA
    leads = (significant & (rows["difference"] > 0)).any()
    return bool(leads or (significant.all() and (rows["difference"] < 0).all()))


def verdicts(corpus: Any, evaluated: Any, clean: list[str], loaded: dict[str, Any], uses: tuple[Use, ...]) -> dict:
    """Each clean run as the baseline, the others as candidates: per use, how many verdicts make a claim (a
    headline starting "Use " or "Keep ") over the seeds (after), by the rule before issue 25 on the single-seed view,
    and what today's verdict says of that view ("Not a claim yet" / a claim)."""
    from embedlab import analysis, evaluation
    from embedlab.verdict import build, build_verdict

    by_name = {found.space: found for found in evaluated.spaces}
    counts: dict[str, dict[str, Any]] = {
        use.name: {key: 0 for key in ("verdicts", "after", "before_rule", "single_claims", "single_not_yet")}
        | {"sentences": []}
        for use in uses
    }
    for baseline in clean:
        candidates = [name for name in clean if name != baseline]
        order = [baseline, *candidates]  # as build_verdict evaluates them
        seeded = evaluation.Evaluation(tuple(by_name[name] for name in order), evaluated.held_out)
        single = evaluation.Evaluation(
            tuple(
                dataclasses.replace(by_name[name], training=evaluation.Training.ONE_SEED, seeds=()) for name in order
            ),
            evaluated.held_out,
        )
        # What changed of each candidate against this baseline (domain language reads it), once for both verdicts
        changed = {
            name: analysis.compare_spaces(loaded[name], loaded[baseline], build.K, seed=build.COMPARE_SEED)
            for name in candidates
        }
        after, today = (
            build_verdict(
                corpus, candidates, baseline=baseline, evaluated=found, comparisons=changed, load=loaded.__getitem__
            )
            for found in (seeded, single)
        )
        differences = single.differences_from(baseline)
        for use in uses:
            line = next((h for h in after.headlines if h.use == use.name), None)
            if line is None or line.sentence.startswith("Not enough evidence"):
                continue
            counts[use.name]["verdicts"] += 1
            old = next(h for h in today.headlines if h.use == use.name)
            counts[use.name]["after"] += line.sentence.startswith(CLAIMS)
            counts[use.name]["single_claims"] += old.sentence.startswith(CLAIMS)
            counts[use.name]["single_not_yet"] += old.sentence.startswith("Not a claim yet")
            rows = differences[(differences["benchmark"] == use.benchmark) & (differences["metric"] == use.metric)]
            counts[use.name]["before_rule"] += _old_rule(rows)
            counts[use.name]["sentences"].append(line.sentence)
    return counts


def _share(flags: list[bool]) -> str:
    return f"{sum(flags)} of {len(flags)} ({sum(flags) / len(flags):.0%})" if flags else "—"


def measure_corpus(
    label: str, clean_corpus: Any, damaged_corpus: Any, runs: int, damaged_runs: int, report: Report
) -> None:
    """Train, evaluate and compare on one corpus; adds its tables, rows and details to ``report``."""
    from embedlab import evaluation, spaces
    from embedlab.training import TrainConfig, train_run

    uses = _uses()
    clock = time.perf_counter()
    seeds = [1 + 10 * i for i in range(runs)]
    clean = [train_run(clean_corpus, TrainConfig(seed=s, seeds=SEEDS, workers=1)).id for s in seeds]
    broken = [train_run(damaged_corpus, TrainConfig(seed=s, seeds=SEEDS, workers=1)).id for s in seeds[:damaged_runs]]
    trained = time.perf_counter() - clock
    print(f"  {label}: {runs + damaged_runs} runs x {SEEDS} seeds trained in {trained:.0f} s", flush=True)

    clock = time.perf_counter()
    loaded = {name: spaces.load_space(name, clean_corpus) for name in [*clean, *broken]}
    evaluated = evaluation.evaluate_spaces(list(loaded.values()), clean_corpus)
    scored = time.perf_counter() - clock
    print(f"  {label}: {len(loaded)} runs x {SEEDS} seeds evaluated in {scored:.0f} s", flush=True)

    clock = time.perf_counter()
    null = [compare_pair(evaluated[a], evaluated[b], uses) for a, b in itertools.combinations(clean, 2)]
    planted = [compare_pair(evaluated[a], evaluated[b], uses) for a in clean for b in broken]
    compared = time.perf_counter() - clock
    clock = time.perf_counter()
    said = verdicts(clean_corpus, evaluated, clean, loaded, uses)
    judged = time.perf_counter() - clock
    print(f"  {label}: pairs compared in {compared:.0f} s, {runs} verdicts x 2 in {judged:.0f} s", flush=True)

    measured = [use for use in uses if any(use.name in pair for pair in null)]
    title = (
        f"{label}: {clean_corpus.stats.documents:,} documents, {clean_corpus.stats.tokens:,} tokens, "
        f"{len(clean_corpus.counts):,} words; {runs} runs x {SEEDS} seeds of one configuration"
    )
    lines = [
        f"**{title}**",
        "",
        "| use | seed pairs | declared before (files, raw p < 0.05) | seeds x items, raw p < 0.05 | declared after "
        "(seeds x items, Holm) | median p of the pairs: files / seeds x items | goal | result |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for use in measured:
        found = [pair[use.name] for pair in null if use.name in pair]
        before = [pair["before"] for pair in found]
        raw = [pair["after_p"] < ALPHA for pair in found]
        after = [pair["after"] for pair in found]
        medians = [statistics.median(pair[key] for pair in found) for key in ("before_p", "after_p")]
        passed = sum(after) / len(after) <= FALSE_POSITIVE_GOAL
        result = "pass" if passed else "**FAIL**"
        lines.append(
            f"| {use.name} ({use.benchmark} {use.metric}) | {len(after)} | {_share(before)} | {_share(raw)} | "
            f"{_share(after)} | {medians[0]:.2f} / {medians[1]:.2f} | <= {FALSE_POSITIVE_GOAL:.0%} | {result} |"
        )
        report.rows.append(
            _common.Row(
                f"{label}: {use.name}, {len(after)} same-configuration pairs declared different (before: files, "
                "raw p; after: seeds x items, Holm)",
                _share(before),
                _share(after),
                None,
                f"<= {FALSE_POSITIVE_GOAL:.0%}",
                passed,
            )
        )
    lines += [
        "",
        f"| use | verdicts (each run the baseline, {runs - 1} candidates) | claims before (rule before issue 25, "
        'one seed) | today\'s verdict on one seed: claims / "Not a claim yet" | claims after (seeds, Holm) | goal | '
        "result |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for use in measured:
        count = said[use.name]
        if not count["verdicts"]:
            continue
        passed = count["after"] == 0
        lines.append(
            f"| {use.name} | {count['verdicts']} | {count['before_rule']} | {count['single_claims']} / "
            f"{count['single_not_yet']} | {count['after']} | 0 | {'pass' if passed else '**FAIL**'} |"
        )
        report.rows.append(
            _common.Row(
                f'{label}: {use.name}, verdicts with a "Use"/"Keep" headline among {runs} same-configuration '
                "choices of baseline",
                str(count["before_rule"]),
                str(count["after"]),
                None,
                "0",
                passed,
            )
        )
    lines += [
        "",
        "| use | clean vs damaged pairs | found before (files, raw p < 0.05) | seeds x items, raw p < 0.05 | found "
        "after (seeds x items, Holm) | median effect (clean - damaged) | median seed-pair gap |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for use in measured:
        pairs = [pair[use.name] for pair in planted if use.name in pair]
        before = [found["before"] and found["files_difference"] > 0 for found in pairs]
        raw = [found["after_p"] < ALPHA and found["difference"] > 0 for found in pairs]
        after = [found["after"] and found["difference"] > 0 for found in pairs]
        effect = statistics.median(found["difference"] for found in pairs)
        noise = statistics.median(abs(pair[use.name]["difference"]) for pair in null if use.name in pair)
        lines.append(
            f"| {use.name} | {len(pairs)} | {_share(before)} | {_share(raw)} | {_share(after)} | {effect:+.4f} | "
            f"{noise:.4f} |"
        )
        report.rows.append(
            _common.Row(
                f"{label}: {use.name}, power on a planted difference ({DAMAGED_SHARE:.0%} of documents shuffled; "
                f"median effect {effect:+.4f})",
                _share(before),
                _share(after),
                None,
                "— (reported)",
                None,
            )
        )
    report.tables.append("\n".join(lines))
    report.notes.append(
        f"{label}: training {trained:.0f} s, evaluating every seed {scored:.0f} s, pair tests {compared:.0f} s, "
        f"{2 * runs} verdicts {judged:.0f} s"
    )
    report.details[label] = {
        "corpus": {
            "documents": clean_corpus.stats.documents,
            "tokens": clean_corpus.stats.tokens,
            "words": len(clean_corpus.counts),
        },
        "runs": clean,
        "damaged_runs": broken,
        "null_pairs": null,
        "planted_pairs": planted,
        "verdicts": said,
        "seconds": {"training": trained, "evaluation": scored, "pairs": compared, "verdicts": judged},
    }


def _pooled(details: dict[str, Any]) -> str:
    """One line over every corpus and use: the seed-pair comparisons declared before and after, with the
    Clopper-Pearson 95% upper bound of the rate after (``scipy.stats.binomtest``): 15 pairs per use cannot show a
    rate below 1 in 15 on their own."""
    from scipy.stats import binomtest

    found = [use for corpus in details.values() for pair in corpus["null_pairs"] for use in pair.values()]
    before, after = sum(use["before"] for use in found), sum(use["after"] for use in found)
    bound = binomtest(after, len(found)).proportion_ci(0.95, method="exact").high if found else float("nan")
    return (
        f"pooled over corpora and uses: {after} of {len(found)} same-configuration comparisons declared different "
        f"after (95% upper bound {bound:.1%}, Clopper-Pearson), {before} of {len(found)} before; the pairs share runs "
        "(each run is in k - 1 pairs), so the bound is optimistic"
    )


@dataclasses.dataclass
class Report(_common.Report):
    """The benchmark's report, its own tables (use | pairs | before | after | goal | result) in place of the
    step table; ``rows`` still carry each goal for ``run_all``'s summary."""

    tables: list[str] = dataclasses.field(default_factory=list)

    def markdown(self) -> str:
        notes = "".join(f"- {note}\n" for note in self.notes)
        return (
            f"## {self.title}\n\n`{self.command}` — {_common.machine_line()}\n\n"
            + "\n\n".join(self.tables)
            + (f"\n\n{notes}")
        )


def main(argv: list[str] | None = None) -> bool:
    parser = _common.parser(__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help=f"runs of the configuration (default {RUNS})")
    parser.add_argument("--damaged", type=int, default=None, help=f"runs on the damaged corpus ({DAMAGED_RUNS})")
    parser.add_argument("--corpus", choices=("packages", "docs", "both"), default="both")
    args = parser.parse_args(argv)
    runs = args.runs or (QUICK_RUNS if args.quick else RUNS)
    damaged_runs = args.damaged or (QUICK_DAMAGED_RUNS if args.quick else DAMAGED_RUNS)
    report = Report(
        NAME, "Claims that survive retraining: same-configuration seed pairs", _common.command_line("seed_claims.py")
    )
    started, load = time.perf_counter(), os.getloadavg()[0]
    with _common.scratch_home(NAME) as work:
        if args.corpus in ("packages", "both"):
            clean, broken, source = packages_corpora(QUICK_PACKAGES if args.quick else PACKAGES)
            report.notes.append(f"packages: {source}")
            measure_corpus("packages", clean, broken, runs, damaged_runs, report)
        if args.corpus in ("docs", "both"):
            clean, broken, source = docs_corpora(work, QUICK_DOC_TOKENS if args.quick else DOC_TOKENS)
            report.notes.append(f"docs: {source}")
            measure_corpus("docs", clean, broken, runs, damaged_runs, report)
    report.notes.append(_pooled(report.details))
    report.notes += [
        f"Configuration: TrainConfig defaults (Word2Vec CBOW, dim 100, window 5, min_count 5, 5 epochs), workers=1, "
        f"seeds={SEEDS}; base seeds 1, 11, 21, ...; damaged runs: the same configuration on a copy with "
        f"{DAMAGED_SHARE:.0%} of the documents' tokens shuffled across those documents, judged on the clean corpus.",
        "before: the files' test (McNemar exact / paired bootstrap of each run's own seed) at raw p < 0.05, as "
        "Evaluate and the Verdict read it before issue 25; after: evaluation.space_differences over seeds x items "
        "(Welch-Satterthwaite t), Holm over the pair's table. Power counts pairs declared with the clean run better.",
        f"wall {(time.perf_counter() - started) / 60:.1f} min; 1-min load {load:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end",
    ]
    report.save()
    return all(row.passed is not False for row in report.rows)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
