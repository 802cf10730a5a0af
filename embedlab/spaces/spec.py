"""TODO"""

from __future__ import annotations

import re

from embedlab.errors import EmbedLabError

BASELINE = "baseline"


VECTORS_PREFIX = "vectors:"


CONTEXT_SUFFIX = "@context"  # a sentence-transformer space read in context, e.g. baseline@context


DEBIAS_SUFFIX = "@debiased"  # any space with the gender direction projected out, e.g. baseline@debiased


_RUN_ID = re.compile(r"run-[0-9]{8}-[0-9]{6}-[0-9a-f]{6}")


def validate_spec(spec: str) -> str:
    """Check a space spec's shape (not that it exists); returns it stripped.

    Raises:
        ValueError: with the accepted forms.
    """
    spec = spec.strip()
    base = spec.removesuffix(DEBIAS_SUFFIX)
    if base.startswith(VECTORS_PREFIX) and base[len(VECTORS_PREFIX) :].strip():
        return spec
    if base.removesuffix(CONTEXT_SUFFIX) == BASELINE or _RUN_ID.fullmatch(base.removesuffix(CONTEXT_SUFFIX)):
        return spec
    raise EmbedLabError(
        f"unknown space '{spec}': use 'baseline', a run id like run-20260101-120000-abc123, "
        f"vectors:PATH, or a sentence-transformer space with {CONTEXT_SUFFIX} (baseline{CONTEXT_SUFFIX}); "
        f"add {DEBIAS_SUFFIX} for a debiased copy"
    )
