"""Training: settings, Word2Vec/FastText, fine-tuning the sentence-transformer, training pairs, and the jobs that
run them in their own process (``embedlab.training.jobs``).
"""

from embedlab.training.configs import (
    METHOD,
    Cancelled,
    FinetuneConfig,
    FinetuneProgress,
    Method,
    Progress,
    TrainConfig,
)
from embedlab.training.finetune import (
    finetune_run,
    model_zip_bytes,
    retrieval_scores,
    retrieval_summary,
    run_params,
)
from embedlab.training.pairs import (
    LABEL_DOCUMENT_SENTENCES,
    MAX_HELD_OUT_PAIRS,
    MIN_HELD_OUT_PAIRS,
    MIN_WORDS_PER_SENTENCE,
    Pairs,
    has_held_out_pairs,
    held_out_pairs,
    make_pairs,
    parse_pairs_csv,
    read_pairs_csv,
    save_pairs_upload,
)
from embedlab.training.word2vec import (
    train_run,
    train_vectors,
)

__all__ = [
    "Cancelled",
    "FinetuneConfig",
    "FinetuneProgress",
    "LABEL_DOCUMENT_SENTENCES",
    "MAX_HELD_OUT_PAIRS",
    "METHOD",
    "MIN_HELD_OUT_PAIRS",
    "MIN_WORDS_PER_SENTENCE",
    "Method",
    "Pairs",
    "Progress",
    "TrainConfig",
    "finetune_run",
    "has_held_out_pairs",
    "held_out_pairs",
    "make_pairs",
    "model_zip_bytes",
    "parse_pairs_csv",
    "read_pairs_csv",
    "retrieval_scores",
    "retrieval_summary",
    "run_params",
    "save_pairs_upload",
    "train_run",
    "train_vectors",
]
