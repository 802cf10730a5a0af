"""Evaluating spaces: intrinsic benchmarks, the corpus's label task, held-out retrieval, WEAT bias tests, the
dimension sweep, and the results kept with runs.
"""

from embedlab.evaluation.benchmarks import (
    ANALOGY_TOPN,
    BUILTIN_PAIRS,
    RESTRICT_VOCAB,
    AnalogyResult,
    PairRow,
    SimilarityResult,
    analogies,
    benchmark_table,
    builtin_pairs_path,
    intrinsic,
    questions_words_path,
    to_keyed_vectors,
    user_word_pairs,
    word_similarity,
)
from embedlab.evaluation.bias import (
    WEAT_MIN_WORDS,
    WEAT_SETS,
    WeatResult,
    weat,
)
from embedlab.evaluation.results import (
    RESULTS_FILE,
    results_summary,
    run_results,
    save_run_results,
)
from embedlab.evaluation.retrieval import (
    RetrievalResult,
    held_out_pairs,
    held_out_run,
    pair_texts,
    retrieval,
)
from embedlab.evaluation.sweep import (
    SWEEP_DIMS,
    dimension_sweep,
    sweep_dims,
    sweep_row,
)
from embedlab.evaluation.tasks import (
    MEAN_WORD_VECTORS,
    SENTENCE_EMBEDDINGS,
    TaskResult,
    document_texts,
    features_kind,
    task_evaluation,
    text_vectors,
)

__all__ = [
    "ANALOGY_TOPN",
    "AnalogyResult",
    "BUILTIN_PAIRS",
    "MEAN_WORD_VECTORS",
    "PairRow",
    "RESTRICT_VOCAB",
    "RESULTS_FILE",
    "RetrievalResult",
    "SENTENCE_EMBEDDINGS",
    "SWEEP_DIMS",
    "SimilarityResult",
    "TaskResult",
    "WEAT_MIN_WORDS",
    "WEAT_SETS",
    "WeatResult",
    "analogies",
    "benchmark_table",
    "builtin_pairs_path",
    "dimension_sweep",
    "document_texts",
    "features_kind",
    "held_out_pairs",
    "held_out_run",
    "intrinsic",
    "pair_texts",
    "questions_words_path",
    "results_summary",
    "retrieval",
    "run_results",
    "save_run_results",
    "sweep_dims",
    "sweep_row",
    "task_evaluation",
    "text_vectors",
    "to_keyed_vectors",
    "user_word_pairs",
    "weat",
    "word_similarity",
]
