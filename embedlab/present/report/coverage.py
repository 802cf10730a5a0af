"""The report's Coverage section: how much of the corpus each space covers, by frequency band, and the words it
misses (or, for a WordPiece model, splits into pieces)."""

from __future__ import annotations

import dataclasses

import pandas as pd

from embedlab import analysis
from embedlab.present import figures
from embedlab.present.report.inputs import SectionInputs
from embedlab.present.report.markup import TABLE_ROWS, escape, figure_html, heading, html_table, key_numbers
from embedlab.present.report.progress import BuildSteps
from embedlab.present.report.settings import Section


def coverage_section(inputs: SectionInputs, steps: BuildSteps) -> str:
    """Token and type coverage per space, by frequency band, and each space's most frequent missing words; the
    charts name the spaces by their titles, as the tables do."""
    specs, corpus = inputs.specs, inputs.corpus
    coverages = [
        dataclasses.replace(analysis.vocabulary_coverage(space, corpus, top=TABLE_ROWS), space=space.title)
        for space in specs
    ]
    blocks = []
    for result in coverages:
        if result.split_token_share is not None:  # WordPiece: every word encoded, whole or from its pieces
            numbers = [
                ("words encoded", f"{result.token_coverage:.0%}"),
                ("tokens kept whole", f"{1 - result.split_token_share:.1%}"),
                ("tokens split into 2+ pieces", f"{result.split_token_share:.1%}"),
            ]
            listed = pd.DataFrame(result.top_split, columns=["word split into pieces", "count"])
            note = "<p class='muted'>It encodes every word, from its word pieces when its tokenizer splits it.</p>"
        else:
            numbers = [
                ("token coverage", f"{result.token_coverage:.1%}"),
                ("type coverage", f"{result.type_coverage:.1%}"),
            ]
            listed, note = pd.DataFrame(result.top_missing, columns=["missing word", "count"]), ""
        blocks.append(f"<div><b>{escape(result.space)}</b>{key_numbers(numbers)}{note}{html_table(listed)}</div>")
    by_band = {space.title: analysis.coverage_by_band(space, corpus) for space in specs}
    return (
        heading(Section.COVERAGE)
        + figure_html(figures.coverage_bars(coverages))
        + figure_html(figures.coverage_by_band(by_band))
        + f"<div class='pair'>{''.join(blocks)}</div>"
    )
