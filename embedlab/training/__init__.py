"""Training: making runs from a corpus, Word2Vec/FastText (gensim) or a fine-tune of the bundled
sentence-transformer, each committed to the registry in one step (:mod:`~embedlab.training.commit`).

Settings are typed configs (:class:`TrainConfig`, :class:`FinetuneConfig`): each setting's default and accepted
range are declared there once (the config's ``LIMITS``), and the Train page, the CLI and the validation read them.
:func:`train_run` and :func:`finetune_run` train in this process; :mod:`embedlab.training.jobs` runs them as
background jobs (a process here, or a Ray Job) whose progress the Train page polls; :mod:`~embedlab.training.health`
says whether a run learned anything. The validation runs as a test:

>>> from embedlab import training
>>> training.TrainConfig(dim=1)
Traceback (most recent call last):
...
embedlab.errors.EmbedLabError: dim must be a whole number from 2 to 2000, got 1

Training (seconds on a small corpus; one worker thread makes it exactly reproducible)::

    run = training.train_run(notes, training.TrainConfig(dim=100, epochs=5, workers=1, seed=7))
    run.id, run.summary                                  # 'Word2Vec · dim 100 · CBOW · 5 epochs'
"""

from embedlab.training.commit import (
    PARAMS_FILE,
    StagedRun,
    staged_run,
)
from embedlab.training.configs import (
    REPLICAS,
    Bound,
    Cancelled,
    FinetuneConfig,
    FinetuneProgress,
    Progress,
    TrainConfig,
    field_default,
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
    TrainedDocuments,
    distinct_pairs,
    has_held_out_pairs,
    held_out_pairs,
    label_pairs_advice,
    make_pairs,
    neighbour_pair_count,
    parse_pairs_csv,
    prefers_label_pairs,
    read_pairs_csv,
    save_pairs_upload,
    trained_documents,
    trained_texts,
)
from embedlab.training.word2vec import (
    prepare_model,
    train_run,
    train_vectors,
)

__all__ = [
    "Bound",
    "Cancelled",
    "FinetuneConfig",
    "FinetuneProgress",
    "LABEL_DOCUMENT_SENTENCES",
    "LABEL_PAIRS_OPTION",
    "MAX_HELD_OUT_PAIRS",
    "MIN_HELD_OUT_PAIRS",
    "MIN_WORDS_PER_SENTENCE",
    "PARAMS_FILE",
    "Pairs",
    "Progress",
    "REPLICAS",
    "RetrievalCheck",
    "StagedRun",
    "TrainConfig",
    "finetune_run",
    "TrainedDocuments",
    "distinct_pairs",
    "field_default",
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
    "trained_documents",
    "trained_texts",
    "staged_run",
    "train_run",
    "train_vectors",
]
