"""Comparing two spaces: neighbours, neighbourhood change, frequency bands, corpus coverage and aligned maps
(``embedlab.analysis.maps``).
"""

from embedlab.analysis.bands import (
    band_order,
    frequency_bands,
)
from embedlab.analysis.comparison import (
    DEFAULT_MAX_WORDS,
    ComparisonSummary,
    compare_spaces,
    word_changes,
)
from embedlab.analysis.coverage import (
    BELOW_MIN_COUNT,
    NEVER_SEEN,
    NOT_KEPT,
    Coverage,
    SubwordCoverage,
    character_ngrams,
    coverage,
    coverage_by_band,
    fragmentation,
    missing_words,
    subword_coverage,
    subword_vector_coverage,
)
from embedlab.analysis.neighbours import (
    BLOCK_ROWS,
    Neighbor,
    NeighborComparison,
    VectorOrigin,
    WordQuery,
    compare_neighbors,
    nearest,
    neighbor_indices,
    shared_spaces,
    shared_vocabulary,
    word_query,
)

__all__ = [
    "BELOW_MIN_COUNT",
    "NEVER_SEEN",
    "NOT_KEPT",
    "BLOCK_ROWS",
    "ComparisonSummary",
    "Coverage",
    "DEFAULT_MAX_WORDS",
    "Neighbor",
    "NeighborComparison",
    "SubwordCoverage",
    "VectorOrigin",
    "WordQuery",
    "band_order",
    "character_ngrams",
    "compare_neighbors",
    "compare_spaces",
    "coverage",
    "coverage_by_band",
    "fragmentation",
    "frequency_bands",
    "missing_words",
    "nearest",
    "neighbor_indices",
    "shared_spaces",
    "shared_vocabulary",
    "subword_coverage",
    "subword_vector_coverage",
    "word_query",
    "word_changes",
]
