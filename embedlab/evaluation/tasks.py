"""The corpus's own labels as a task: cross-validated document classification on a space's document vectors."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from embedlab.corpus.stored import no_labels_reason
from embedlab.corpus.tokens import tokenize
from embedlab.errors import EmbedLabError

if TYPE_CHECKING:
    from embedlab.spaces.space import EmbeddingSpace


MEAN_WORD_VECTORS = "mean word vectors"


SENTENCE_EMBEDDINGS = "sentence embeddings"


# scikit-learn's LogisticRegression settings for the task. newton-cg reaches the optimum of the same strictly convex
# loss as the default lbfgs in about 8 Newton steps where lbfgs takes about 23 quasi-Newton ones, and is 8x faster on
# the sample corpus's 1,898 MiniLM document vectors (30 labels, 2 cores): the sweep fits it 5 times per size.
CLASSIFIER = {"solver": "newton-cg", "max_iter": 2000}


ENCODING_SHARE = 0.6  # of a sentence-transformer space's task, the part that encodes the documents (for progress)


@dataclass(frozen=True, eq=False)
class TaskResult:
    """Cross-validated document classification on the corpus's labels with one space's vectors."""

    space: str
    folds: int
    documents: int  # documents classified (labels with too few documents are left out)
    labels: int
    accuracy: float
    accuracy_std: float
    macro_f1: float
    macro_f1_std: float
    empty_documents: int  # documents with no word in the space: a zero feature vector
    note: str = ""
    features: str = MEAN_WORD_VECTORS
    # per classified document, in corpus order (for paired comparisons; not stored, see SpaceEvaluation.payloads):
    # whether the model of the fold that held it out labelled it right. The folds depend only on the labels and
    # the seed, so every space of one evaluation is tested on the same folds.
    document_correct: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool), repr=False)


def text_vectors(
    space: EmbeddingSpace, texts: Sequence[str], progress: Callable[[float], None] | None = None
) -> np.ndarray:
    """One vector per text: a sentence-transformer space's own sentence embedding, else the mean unit vector of
    the words of the text the space knows (zero when it knows none).

    Returns:
        float32 array of shape (len(texts), dim).
    """
    if space.encoder is not None:
        return np.asarray(space.encoder(list(texts), progress), dtype=np.float32)
    features = np.zeros((len(texts), space.dim), dtype=np.float32)
    for i, text in enumerate(texts):
        rows = _known_rows(space, text)
        if rows:
            features[i] = space.vectors[rows].mean(axis=0)
    return features


def _known_rows(space: EmbeddingSpace, text: str) -> list[int]:
    """Rows of the text's words: as written, else lowercased, else as the corpus tokeniser splits them."""
    rows = []
    for token in text.split():
        for candidate in (token, token.lower()):
            if candidate in space.index:
                rows.append(space.index[candidate])
                break
        else:
            rows.extend(space.index[w] for sentence in tokenize(token) for w in sentence if w in space.index)
    return rows


def document_texts(corpus) -> list[str]:
    """Each document of the corpus as one text (its tokens, sentences joined by spaces)."""
    return [" ".join(document) for document in corpus.documents()]


def features_kind(space: EmbeddingSpace) -> str:
    """What a space's text vectors are: a sentence-transformer's own sentence embeddings, or mean word vectors."""
    return SENTENCE_EMBEDDINGS if space.encoder is not None else MEAN_WORD_VECTORS


def task_problem(corpus, min_per_label: int = 5) -> str:
    """Why the corpus's labels cannot be cross-validated as a task, in a sentence; ``""`` when they can (two or more
    labels with at least ``min_per_label`` documents each)."""
    if not corpus.labels:
        return no_labels_reason(corpus)
    counts = pd.Series(corpus.labels).value_counts()
    kept = set(counts[counts >= min_per_label].index) - {""}
    if len(kept) < 2:
        return (
            f"{corpus.name}: {len(kept)} label{'s' * (len(kept) != 1)} {'has' if len(kept) == 1 else 'have'} at least "
            f"{min_per_label} documents; a classifier needs two or more to cross-validate"
        )
    return ""


def fold_workers() -> int:
    """The folds fitted side by side: ``$OMP_NUM_THREADS`` where set (the thread budget numpy and torch read), else
    the CPUs this process may run on."""
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "")))
    except ValueError:
        return max(1, len(os.sched_getaffinity(0)))


_blas_lock = threading.Lock()
_blas_users = 0
_blas_limiter: Any = None


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """OpenBLAS (numpy's) at one thread while the task's folds are fitted, restored when the last caller leaves.

    The classifier's products are skinny (documents x dimensions times dimensions x labels) and OpenBLAS's threads
    spin waiting for each other on them: on 2 cores shared with other work a 5-fold fit on 20,000 documents took
    30 s of CPU with 2 threads against 3.6 s with one, the same predictions (bench/verdict_scale.py). The folds run
    side by side instead. Counted, so that overlapping evaluations (two sessions of the app) restore it once.
    """
    from threadpoolctl import threadpool_limits  # lazy: installed with scikit-learn, needed only here

    global _blas_users, _blas_limiter
    with _blas_lock:
        if _blas_users == 0:
            _blas_limiter = threadpool_limits(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0 and _blas_limiter is not None:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


def task_evaluation(
    space: EmbeddingSpace,
    corpus,
    folds: int = 5,
    seed: int = 42,
    min_per_label: int = 5,
    progress: Callable[[float], None] | None = None,
) -> TaskResult:
    """Logistic regression (scikit-learn, :data:`CLASSIFIER`) on document vectors (``text_vectors``: sentence
    embeddings for sentence-transformer spaces, mean word vectors otherwise), stratified k-fold, seeded.

    Args:
        progress: called with the share done (0..1): as the documents are encoded (sentence-transformer spaces),
            then after each fold.

    Raises:
        EmbedLabError: the corpus has no labels, or too few labelled documents to cross-validate
            (:func:`task_problem` says which).
    """
    # lazy: scikit-learn adds ~1 s to start-up; only this path needs it
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    problem = task_problem(corpus, min_per_label)
    if problem:
        raise EmbedLabError(problem)
    counts = pd.Series(corpus.labels).value_counts()
    kept_labels = set(counts[counts >= min_per_label].index) - {""}
    rows = [i for i, label in enumerate(corpus.labels) if label in kept_labels]
    dropped = len(set(counts.index) - kept_labels)
    # the encoding's share of the work, for progress: MiniLM encoding documents takes longer than the fits after it
    share = ENCODING_SHARE if space.encoder is not None else 0.0
    encoding = None if progress is None else (lambda done: progress(share * done))
    features = text_vectors(space, document_texts(corpus), encoding)[rows]  # all of them: one disk-cache entry
    empty = int((~features.any(axis=1)).sum())
    labels = np.array([corpus.labels[i] for i in rows])
    folds = min(folds, int(counts[list(kept_labels)].min()))
    splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(features, labels))
    correct = np.zeros(len(labels), dtype=bool)
    accuracies, f1s = [], []

    def fit(split: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        train, test = split
        return LogisticRegression(**CLASSIFIER).fit(features[train], labels[train]).predict(features[test])

    # as cross_validate does, keeping each prediction; the folds side by side, one BLAS thread each
    with _one_blas_thread(), ThreadPoolExecutor(min(folds, fold_workers())) as pool:
        for fold, ((_, test), predicted) in enumerate(zip(splits, pool.map(fit, splits))):
            correct[test] = predicted == labels[test]
            accuracies.append(correct[test].mean())
            f1s.append(f1_score(labels[test], predicted, average="macro"))
            if progress is not None:
                progress(share + (1 - share) * (fold + 1) / folds)
    scores = {"test_accuracy": np.array(accuracies), "test_f1_macro": np.array(f1s)}
    note = f"{dropped} labels with fewer than {min_per_label} documents left out" if dropped else ""
    return TaskResult(
        space.name,
        folds,
        len(rows),
        len(kept_labels),
        float(scores["test_accuracy"].mean()),
        float(scores["test_accuracy"].std()),
        float(scores["test_f1_macro"].mean()),
        float(scores["test_f1_macro"].std()),
        empty,
        note,
        features_kind(space),
        correct,
    )
