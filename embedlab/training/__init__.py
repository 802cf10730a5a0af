"""Training: settings, Word2Vec/FastText, fine-tuning the sentence-transformer, training pairs, and the jobs that
run them in their own process (``embedlab.training.jobs``).
"""

from embedlab.training.commit import (
    PARAMS_FILE,
    StagedRun,
    staged_run,
)
from embedlab.training.configs import (
    METHOD,
    Cancelled,
    FinetuneConfig,
    FinetuneProgress,
    Method,
    Progress,
    TrainConfig,
    init_dim,
)
from embedlab.training.finetune import (
    RetrievalCheck,
    finetune_run,
    model_zip_bytes,
    retrieval_check,
    retrieval_scores,
    retrieval_summary,
    run_params,
)
from embedlab.training.pairs import (
    LABEL_DOCUMENT_SENTENCES,
    LABEL_PAIRS_OPTION,
    MAX_HELD_OUT_PAIRS,
    MIN_HELD_OUT_PAIRS,
    MIN_WORDS_PER_SENTENCE,
    Pairs,
    has_held_out_pairs,
    held_out_pairs,
    label_pairs_advice,
    make_pairs,
    neighbour_pair_count,
    parse_pairs_csv,
    prefers_label_pairs,
    read_pairs_csv,
    save_pairs_upload,
)
from embedlab.training.word2vec import (
    prepare_model,
    train_run,
    train_vectors,
)

__all__ = [
    "Cancelled",
    "FinetuneConfig",
    "FinetuneProgress",
    "LABEL_DOCUMENT_SENTENCES",
    "LABEL_PAIRS_OPTION",
    "MAX_HELD_OUT_PAIRS",
    "METHOD",
    "MIN_HELD_OUT_PAIRS",
    "MIN_WORDS_PER_SENTENCE",
    "Method",
    "PARAMS_FILE",
    "Pairs",
    "Progress",
    "RetrievalCheck",
    "StagedRun",
    "TrainConfig",
    "finetune_run",
    "has_held_out_pairs",
    "held_out_pairs",
    "init_dim",
    "label_pairs_advice",
    "make_pairs",
    "prefers_label_pairs",
    "neighbour_pair_count",
    "model_zip_bytes",
    "parse_pairs_csv",
    "prepare_model",
    "read_pairs_csv",
    "retrieval_check",
    "retrieval_scores",
    "retrieval_summary",
    "run_params",
    "save_pairs_upload",
    "staged_run",
    "train_run",
    "train_vectors",
]
