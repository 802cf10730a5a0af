"""The report's Bias (WEAT) section: the shipped Word Embedding Association Tests on each space, with an interval
for the effect size and what each result says (``evaluation.weat_section``)."""

from __future__ import annotations

import pandas as pd

from embedlab import evaluation, formatting
from embedlab.present.report.inputs import SectionInputs
from embedlab.present.report.markup import heading, html_table
from embedlab.present.report.progress import BuildSteps
from embedlab.present.report.settings import Section


def weat_section(inputs: SectionInputs, steps: BuildSteps) -> str:
    """The shipped WEAT tests (``evaluation.weat_section``) on each space, with what each result says."""
    rows = []
    for number, space in enumerate(inputs.specs):
        steps.within(Section.WEAT, number, len(inputs.specs))(0.0)
        for name, found in evaluation.weat_section(space, inputs.options).items():
            rows.append(
                {
                    "space": space.title,
                    "test": name,
                    "effect size d": found.effect_size,
                    "95% interval": formatting.interval(found.ci_low, found.ci_high),
                    "p-value": found.p_value,
                    "words used (X/Y/A/B)": "/".join(str(found.used[key]) for key in evaluation.WEAT_LISTS),
                    "reading": found.note or evaluation.weat_reading(found),
                }
            )
    return (
        heading(Section.WEAT)
        + f"<p class='muted'>Word Embedding Association Test (Caliskan et al. 2017), 10,000 permutations, seed "
        f"{inputs.options.seed}; the 95% interval of d is a percentile bootstrap over the target words (2,000 "
        f"resamples, A and B fixed; none with fewer than {evaluation.WEAT_INTERVAL_MIN_WORDS} words in X or Y).</p>"
        + html_table(pd.DataFrame(rows))
    )
