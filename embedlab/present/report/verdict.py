"""The report's Verdict section: which space to use for what on this corpus, and why (``verdict.build_verdict``,
the Verdict page's and ``python -m embedlab verdict``'s answer), built from the evaluation the other evaluation
sections then reuse (:meth:`SectionInputs.verdict_evaluation`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from embedlab import evaluation, verdict
from embedlab.errors import EmbedLabError
from embedlab.present.report.inputs import SectionInputs
from embedlab.present.report.markup import escape, heading, html_table
from embedlab.present.report.progress import BuildSteps
from embedlab.present.report.settings import Section


def verdict_section(inputs: SectionInputs, steps: BuildSteps) -> str:
    """Whether the candidate beats the baseline on this corpus, for which use and why (``verdict.build_verdict``,
    the Verdict page's and ``python -m embedlab verdict``'s answer): the too-small sentence, the unhealthy spaces'
    warnings, a sentence per use, the space to download, and each reason's finding with domain language's
    examples."""
    if inputs.roles is None:
        return heading(Section.VERDICT) + (
            "<p class='muted'>A and B are the same space: the verdict needs a candidate to set against the "
            "baseline.</p>"
        )
    candidate, baseline = inputs.roles
    labels = {candidate.name: candidate.title, baseline.name: baseline.title}
    # benchmarks, task, retrieval, WEAT, sweep: as build_verdict counts
    sections = 5 - bool(evaluation.task_problem(inputs.corpus))
    seen: dict[tuple[str, str], int] = {}

    def evaluating(step: evaluation.EvaluationStep) -> None:
        seen.setdefault((step.space, step.section), len(seen))
        done = (seen[(step.space, step.section)] + step.fraction) / (sections * 2)
        message = f"Verdict: evaluating {labels[step.space]}: {step.message}" if step.message else ""
        steps.at(Section.VERDICT, _VERDICT_EVALUATION_SHARE * done, message)

    def verdict_step(fraction: float, message: str) -> None:
        # build_verdict's own scale: evaluating up to 0.8, then neighbourhoods and coverage
        rest = max(fraction - 0.8, 0.0) / 0.2
        done = _VERDICT_EVALUATION_SHARE + (1 - _VERDICT_EVALUATION_SHARE) * rest
        steps.at(Section.VERDICT, done, f"Verdict: {message}" if 0 < fraction < 1 else "")

    try:
        found = verdict.build_verdict(
            inputs.corpus,
            [candidate.name],
            baseline.name,
            evaluated=inputs.verdict_evaluation(evaluating),
            comparisons=inputs.verdict_comparisons(candidate),
            load=inputs.load,
            progress=verdict_step,
        )
    except EmbedLabError as error:
        return heading(Section.VERDICT) + f"<p class='muted'>No verdict on this corpus: {escape(error)}</p>"
    return heading(Section.VERDICT) + verdict_body(found)


# The verdict section's share of its progress that is the evaluation (the rest: neighbourhoods and coverage).
_VERDICT_EVALUATION_SHARE = 0.9


def verdict_body(found: verdict.Verdict) -> str:
    """The verdict as HTML, below its heading: what it answers, the too-small sentence and health warnings, a
    sentence per use, the recommended space with its notes, and each reason's finding (domain language's
    examples under it)."""
    labels = found.labels
    parts = [
        f"<p class='muted'>Would {escape(' and '.join(labels[name] for name in found.candidates))} beat "
        f"{escape(labels[found.baseline])} on this corpus, where, and why: the same verdict as the Verdict page and "
        "<code>python -m embedlab verdict</code>; every number is the evaluation's or What changed's.</p>"
    ]
    if found.too_small:
        parts.append(f"<p class='warn'>{escape(found.too_small)}</p>")
    for name in found.unhealthy:
        items = "".join(f"<li>{escape(warning)}</li>" for warning in found.health[name].warnings)
        parts.append(f"<div class='warn'><b>Health: {escape(labels[name])}</b><ul>{items}</ul></div>")
    headlines = pd.DataFrame(
        {
            "use": [line.use for line in found.headlines],
            "use this space": [labels.get(line.winner, "—") if line.winner else "—" for line in found.headlines],
            "answer": [line.sentence for line in found.headlines],
        }
    )
    parts.append(html_table(headlines))
    if found.claims_note:
        parts.append(f"<p class='muted'>{escape(found.claims_note)}</p>")
    parts.append(f"<p>Recommended space: <b>{escape(labels[found.recommended])}</b> ({escape(found.recommended)})</p>")
    parts += [f"<p class='warn'>{escape(note)}</p>" for note in found.recommendation_notes]
    parts.append("<h3>Reasons to customise, on this corpus</h3>")
    for reason in found.reasons.values():
        parts.append(f"<p><b>{escape(reason.title)}.</b> {escape(reason.finding)}</p>")
        if reason.key == "domain_language" and reason.examples:
            parts.append(_domain_examples(reason.examples, labels))
    return "".join(parts)


def _domain_examples(examples: Sequence[Mapping[str, Any]], labels: Mapping[str, str]) -> str:
    """Domain language's most telling words: each one's nearest words here (the run) and in general English (the
    baseline, among the same words)."""
    frame = pd.DataFrame(
        {
            "word": [example["word"] for example in examples],
            "space": [labels.get(example["space"], example["space"]) for example in examples],
            "count": [int(example["count"]) for example in examples],
            "usage shift": [float(example["shift"]) for example in examples],
            "near here": [", ".join(example["here"]) for example in examples],
            "near in general English": [", ".join(example["general"]) for example in examples],
            "beyond seed noise": [
                {True: "✓", False: "", None: "not known"}[example["beyond_noise"]] for example in examples
            ],
        }
    )
    return (
        "<p class='muted'>Usage shift: where the word's nearest words here sit in general English's ranking of the "
        "same words (0 = its nearest there, 1 = its farthest).</p>" + html_table(frame)
    )
