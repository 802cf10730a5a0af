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

from embedlab import training
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
    note: str = ""  # labels left out, and the documents left out because a compared fine-tune trained on them
    features: str = MEAN_WORD_VECTORS
    # per classified document, in corpus order (for paired comparisons; not stored, see SpaceEvaluation.payloads):
    # whether the model of the fold that held it out labelled it right. The folds depend only on the labels and
    # the seed, so every space of one evaluation is tested on the same folds.
    document_correct: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool), repr=False)
    left_out: int = 0  # labelled documents not scored because a compared fine-tune trained on their labels


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


def label_fine_tunes(specs: Sequence[str]) -> tuple[str, ...]:
    """The fine-tuned runs among ``specs`` whose training pairs came from the label column (documents sharing a
    label): they saw those documents' labels, so the task must not score them on those documents."""
    found = (training.trained_documents(spec) for spec in dict.fromkeys(specs))
    return tuple(record.run_id for record in found if record is not None and record.uses_labels)


@dataclass(frozen=True)
class TaskDocuments:
    """The documents the label task leaves out because a compared fine-tune trained on their labels.

    Attributes:
        left_out: document indices (``corpus.documents()`` order).
        trained_by: the fine-tunes that trained on them.
        unrecorded: label fine-tunes that did not record their documents (fine-tuned before runs kept them): their
            documents cannot be left out.
    """

    left_out: frozenset[int] = frozenset()
    trained_by: tuple[str, ...] = ()
    unrecorded: tuple[str, ...] = ()


def task_documents(corpus, fine_tunes: Sequence[str] = ()) -> TaskDocuments:
    """Which documents of ``corpus`` the label task leaves out: every one a fine-tune among ``fine_tunes`` trained
    on with its label (pairs from the label column, :func:`label_fine_tunes`) on this corpus. A fine-tune on
    neighbouring sentences or on a pairs file never saw a label and leaves every document in.

    Returns:
        The documents left out, for every space compared alike (the comparison stays paired on one set).
    """
    left_out: set[int] = set()
    trained_by, unrecorded = [], []
    for run_id in fine_tunes:
        record = training.trained_documents(run_id)
        if record is None or not record.uses_labels or record.corpus_id != corpus.id:
            continue
        if record.documents is None:
            unrecorded.append(run_id)
            continue
        trained_by.append(run_id)
        left_out |= record.documents
    return TaskDocuments(frozenset(left_out), tuple(trained_by), tuple(unrecorded))


def _task_labels(corpus, left_out: frozenset[int]) -> list[str]:
    """The corpus's labels, "" (unlabelled) for the documents left out."""
    return ["" if i in left_out else label for i, label in enumerate(corpus.labels)]


def _kept_labels(labels: Sequence[str], min_per_label: int) -> set[str]:
    counts = pd.Series(list(labels), dtype=object).value_counts()
    return set(counts[counts >= min_per_label].index) - {""}


def task_problem(corpus, min_per_label: int = 5, fine_tunes: Sequence[str] = ()) -> str:
    """Why the corpus's labels cannot be cross-validated as a task, in a sentence; ``""`` when they can (two or more
    labels with at least ``min_per_label`` documents each, among the documents no fine-tune among ``fine_tunes``
    trained on with their labels: :func:`task_documents`)."""
    if not corpus.labels:
        return no_labels_reason(corpus)
    documents = task_documents(corpus, fine_tunes)
    labels = _task_labels(corpus, documents.left_out)
    kept = _kept_labels(labels, min_per_label)
    if len(kept) >= 2:
        return ""
    enough = (
        f"{len(kept)} label{'s' * (len(kept) != 1)} {'has' if len(kept) == 1 else 'have'} at least {min_per_label} "
        "documents"
    )
    if documents.left_out:
        remaining = sum(1 for label in labels if label)
        return (
            f"{corpus.name}: {', '.join(documents.trained_by)} trained on the labels of "
            f"{len(documents.left_out):,} of its documents; of the {remaining:,} labelled documents left, {enough}; "
            "a classifier needs two or more to cross-validate on documents no fine-tune trained on (fine-tune with "
            "a larger held-out share, or compare without it)"
        )
    return f"{corpus.name}: {enough}; a classifier needs two or more to cross-validate"


def _documents_note(scored: int, left_out: int, documents: TaskDocuments) -> str:
    notes = []
    if documents.trained_by:
        notes.append(
            f"scored on the {scored:,} documents no fine-tune trained on; {left_out:,} left out "
            f"({', '.join(documents.trained_by)} trained on their labels)"
        )
    if documents.unrecorded:
        notes.append(
            f"{', '.join(documents.unrecorded)} trained on pairs of documents sharing a label but did not record "
            "which (fine-tuned before runs kept them): this score may include documents it trained on; fine-tune it "
            "again to score every space on documents it never saw"
        )
    return "; ".join(notes)


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
    fine_tunes: Sequence[str] = (),
) -> TaskResult:
    """Logistic regression (scikit-learn, :data:`CLASSIFIER`) on document vectors (``text_vectors``: sentence
    embeddings for sentence-transformer spaces, mean word vectors otherwise), stratified k-fold, seeded.

    Args:
        progress: called with the share done (0..1): as the documents are encoded (sentence-transformer spaces),
            then after each fold.
        fine_tunes: the fine-tuned runs compared (all of them, the same for every space): the documents those
            that trained on the labels saw are left out (:func:`task_documents`), and the note says how many
            ("scored on the N documents no fine-tune trained on; M left out").

    Raises:
        EmbedLabError: the corpus has no labels, or too few labelled documents to cross-validate
            (:func:`task_problem` says which).
    """
    # lazy: scikit-learn adds ~1 s to start-up; only this path needs it
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    problem = task_problem(corpus, min_per_label, fine_tunes)
    if problem:
        raise EmbedLabError(problem)
    documents = task_documents(corpus, fine_tunes)
    task_labels = _task_labels(corpus, documents.left_out)
    kept_labels = _kept_labels(task_labels, min_per_label)
    rows = [i for i, label in enumerate(task_labels) if label in kept_labels]
    dropped = len(set(task_labels) - kept_labels - {""})
    left_out = sum(1 for i in documents.left_out if corpus.labels[i])
    # the encoding's share of the work, for progress: MiniLM encoding documents takes longer than the fits after it
    share = ENCODING_SHARE if space.encoder is not None else 0.0
    encoding = None if progress is None else (lambda done: progress(share * done))
    features = text_vectors(space, document_texts(corpus), encoding)[rows]  # all of them: one disk-cache entry
    empty = int((~features.any(axis=1)).sum())
    labels = np.array([corpus.labels[i] for i in rows])
    folds = min(folds, int(pd.Series(labels).value_counts().min()))
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
    notes = [f"{dropped} labels with fewer than {min_per_label} documents left out"] if dropped else []
    if held_out := _documents_note(len(rows), left_out, documents):
        notes.append(held_out)
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
        "; ".join(notes),
        features_kind(space),
        correct,
        left_out,
    )
