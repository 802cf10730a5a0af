"""The report's Spaces section: where each space came from (a run's parameters, the baseline model, a vectors
file) and its failed health checks (``embedlab.training.health``)."""

from __future__ import annotations

import pandas as pd

from embedlab import store
from embedlab.present.report.inputs import SectionInputs
from embedlab.present.report.markup import escape, heading, html_table
from embedlab.present.report.progress import BuildSteps
from embedlab.present.report.settings import Section
from embedlab.spaces.space import EmbeddingSpace
from embedlab.training.health import space_health


def _describe(space: EmbeddingSpace) -> pd.DataFrame:
    """Where a space came from: a run's parameters, the baseline model, or a vectors file."""
    rows: list[tuple[str, object]] = [
        ("space", space.title),
        ("spec", space.name),
        ("source", space.source),
        ("words", len(space)),
        ("dimensions", space.dim),
    ]
    run = store.get_run(space.name)
    if run is not None:
        rows += [
            ("method", run.method.display_name),
            ("corpus id", run.corpus_id),
            ("training seconds", round(run.seconds, 2)),
        ]
        rows += [(name, value) for name, value in run.parameters().items() if value is not None]
    return pd.DataFrame(rows, columns=["", "value"])


def spaces_section(inputs: SectionInputs, steps: BuildSteps) -> str:
    """Where each space came from: a run's parameters, the baseline model, or a vectors file; then a warning per
    failed health check (``embedlab.training.health``)."""
    return (
        heading(Section.SPACES)
        + "<div class='pair'>"
        + "".join(f"<div>{html_table(_describe(space))}</div>" for space in inputs.specs)
        + "</div>"
        + "".join(_health_block(space) for space in inputs.specs)
    )


def _health_block(space: EmbeddingSpace) -> str:
    """A short "health" paragraph listing a space's failed checks; empty for a healthy space."""
    health = space_health(space)
    if health.ok:
        return ""
    items = "".join(f"<li>{escape(warning)}</li>" for warning in health.warnings)
    return f"<div class='health'><b>Health: {escape(space.title)}</b><ul>{items}</ul></div>"
