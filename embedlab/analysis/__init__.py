"""Comparing two spaces: nearest neighbours side by side, which words changed (Jaccard@k and rank-biased overlap
of each word's neighbourhoods, against the seed-noise floor), frequency bands, corpus coverage and aligned maps.

Neighbours are searched among the words both spaces hold, so the two lists compare like with like. Main entry
points: :func:`nearest` and :func:`compare_neighbors` (one word), :func:`compare_spaces` (every shared word: a
:class:`ComparisonSummary` and a frame of per-word scores), :func:`rank_changes` (most changed first, function words
hidden), :mod:`~embedlab.analysis.coverage` (how much of the corpus a space covers), and
:mod:`embedlab.analysis.maps` (aligned UMAP layouts; import it yourself: it loads umap-learn when a map is fitted).

Example::

    a, b = spaces.load_space(run_id, notes), spaces.load_space("baseline", notes)
    analysis.compare_neighbors(a, b, "matrix", k=10)       # both lists, the words in both, Jaccard@10
    summary, scores = analysis.compare_spaces(a, b, k=10)  # one row per shared word: jaccard, rank_overlap, ...
    summary.mean_jaccard, analysis.rank_changes(scores).words[:5]
"""

from embedlab.analysis.bands import (
    band_order,
    frequency_bands,
)
from embedlab.analysis.comparison import (
    DEFAULT_MAX_WORDS,
    RANK_METRICS,
    ComparisonSummary,
    RankedChanges,
    WordKind,
    compare_spaces,
    rank_changes,
    word_changes,
    word_kind,
)
from embedlab.analysis.coverage import (
    BELOW_MIN_COUNT,
    NEVER_SEEN,
    NOT_KEPT,
    Coverage,
    SubwordCoverage,
    character_ngrams,
    coverage_by_band,
    fragmentation,
    missing_words,
    split_words,
    subword_coverage,
    subword_vector_coverage,
    vocabulary_coverage,
)
from embedlab.analysis.neighbours import (
    BLOCK_ROWS,
    Neighbor,
    NeighborComparison,
    VectorOrigin,
    WordQuery,
    compare_neighbors,
    left_out_neighbors,
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
    "RANK_METRICS",
    "RankedChanges",
    "WordKind",
    "Neighbor",
    "NeighborComparison",
    "SubwordCoverage",
    "VectorOrigin",
    "WordQuery",
    "band_order",
    "character_ngrams",
    "compare_neighbors",
    "compare_spaces",
    "vocabulary_coverage",
    "coverage_by_band",
    "fragmentation",
    "frequency_bands",
    "missing_words",
    "left_out_neighbors",
    "nearest",
    "neighbor_indices",
    "shared_spaces",
    "shared_vocabulary",
    "split_words",
    "subword_coverage",
    "subword_vector_coverage",
    "word_query",
    "rank_changes",
    "word_changes",
    "word_kind",
]
