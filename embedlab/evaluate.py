"""Intrinsic benchmarks: word-pair similarity (WordSim-353, SimLex-999, user CSVs) and word analogies.

The numbers equal gensim's ``KeyedVectors.evaluate_word_pairs`` / ``evaluate_word_analogies`` with their
defaults (``restrict_vocab=300000``, ``case_insensitive=True``, ``dummy4unknown=False``):

- words are matched case-insensitively through ``str.upper()``; where a vocabulary holds several case
  variants of a word, the first one in row order is used;
- only the first ``restrict_vocab`` rows count as vocabulary (and as analogy candidates);
- pairs/questions with a missing word are skipped and counted in ``oov_share``;
- analogies use 3CosAdd over the unit vectors, the three question words (any case variant) are never the answer.

Differences from gensim, on purpose: ``oov_share`` is a fraction (0..1), not a percentage; fewer than three usable
pairs give NaN correlations and a ``note`` instead of an exception; an empty analogy section has NaN accuracy.
"""
from __future__ import annotations

import csv
import io
import json
import math
import time
import warnings
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

    from embedlab.spaces import EmbeddingSpace

__all__ = ["AnalogyResult", "BUILTIN_PAIRS", "GENDER_PAIRS", "RetrievalResult", "SimilarityResult", "TaskResult",
           "WEAT_SETS", "WeatResult", "analogies", "benchmark_table", "bias_direction", "builtin_pairs_path", "debias",
           "dimension_sweep", "held_out_pairs", "held_out_run", "intrinsic", "questions_words_path", "rank_metrics", "reduced",
           "results_summary", "retrieval", "run_results", "save_run_results", "sweep_dims", "sweep_row", "task_evaluation",
           "text_vectors", "to_keyed_vectors", "user_word_pairs", "weat", "word_similarity"]

RESTRICT_VOCAB = 300000
RETRIEVAL_K = 10
MEAN_WORD_VECTORS = "mean word vectors"
SENTENCE_EMBEDDINGS = "sentence embeddings"
ANALOGY_TOPN = 5  # gensim looks at the five best candidates
BUILTIN_PAIRS = {"WordSim-353": "wordsim353.tsv", "SimLex-999": "simlex999.txt"}

PairRow = tuple[str, str, float]


def _datapath(filename: str) -> str:
    from gensim.test.utils import datapath

    return datapath(filename)


def builtin_pairs_path(name: str) -> str:
    """The path of a benchmark gensim ships: ``WordSim-353`` or ``SimLex-999``."""
    try:
        return _datapath(BUILTIN_PAIRS[name])
    except KeyError:
        raise ValueError(f"unknown word-pair benchmark '{name}': choose one of {', '.join(BUILTIN_PAIRS)}") from None


def questions_words_path() -> str:
    """The Google analogy set (questions-words.txt) gensim ships."""
    return _datapath("questions-words.txt")


@dataclass(frozen=True, eq=False)
class SimilarityResult:
    """Correlation of a space's cosine similarities with human judgements.

    Attributes:
        name: the benchmark's name.
        pairs_total: valid pairs read (used + lost to missing words).
        pairs_used: pairs whose both words are in the vocabulary.
        oov_share: share of pairs lost because a word is missing (0..1; NaN with no pairs).
        pearson, pearson_p: Pearson r and its two-sided p-value (NaN with fewer than 3 usable pairs).
        spearman, spearman_p: Spearman rho and its two-sided p-value (NaN likewise).
        pairs: DataFrame word1, word2, gold, model (cosine) of the used pairs, in file order.
        invalid_lines: lines of a benchmark file skipped as malformed (gensim skips them too).
        note: why a number is NaN, or "".
    """

    name: str
    pairs_total: int
    pairs_used: int
    oov_share: float
    pearson: float
    pearson_p: float
    spearman: float
    spearman_p: float
    pairs: pd.DataFrame
    invalid_lines: int = 0
    note: str = ""


@dataclass(frozen=True, eq=False)
class AnalogyResult:
    """3CosAdd accuracy on an analogy set (a : b :: c : ?).

    Attributes:
        name: the benchmark's name.
        accuracy: correct / evaluated over all sections (NaN when nothing could be evaluated).
        correct: questions answered right.
        total: questions evaluated (all four words in the vocabulary).
        questions: questions read, evaluated or not.
        oov_share: share of questions skipped because a word is missing (0..1; NaN with no questions).
        sections: DataFrame section, correct, total, accuracy (NaN for an empty section), in file order.
        restrict_vocab: how many leading rows counted as vocabulary.
        note: why a number is NaN, or "".
    """

    name: str
    accuracy: float
    correct: int
    total: int
    questions: int
    oov_share: float
    sections: pd.DataFrame
    restrict_vocab: int
    note: str = ""


def _ok_vocab(space: EmbeddingSpace, restrict_vocab: int) -> dict[str, int]:
    """Upper-cased word -> row, first occurrence wins, over the first ``restrict_vocab`` rows (as gensim)."""
    ok: dict[str, int] = {}
    for i, word in enumerate(space.words[:restrict_vocab]):
        ok.setdefault(word.upper(), i)
    return ok


def _unit_rows(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows / norms, norms) in float32 like gensim's ``fill_norms``; zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1)
    return vectors / np.where(norms == 0, 1, norms)[:, None], norms


def _read_pairs_file(path: str | Path) -> tuple[list[PairRow], int]:
    """Rows of a tab-separated pairs file read like gensim: '#' lines skipped, malformed lines counted."""
    rows: list[PairRow] = []
    invalid = 0
    with open(path, encoding="utf8") as fin:
        for line in fin:
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            try:
                a, b, sim = parts
                rows.append((a, b, float(sim)))
            except (ValueError, TypeError):
                invalid += 1
    return rows, invalid


def _correlation(func, gold: np.ndarray, model: np.ndarray) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant input: scipy warns and returns NaN
        result = func(gold, model)
    return float(result[0]), float(result[1])


def word_similarity(space: EmbeddingSpace, pairs_path_or_rows: str | Path | Iterable[Sequence],
                    name: str | None = None, restrict_vocab: int = RESTRICT_VOCAB) -> SimilarityResult:
    """Pearson and Spearman correlation between gold scores and the space's cosine similarities.

    Args:
        space: the space to evaluate.
        pairs_path_or_rows: a tab-separated file (``word1<TAB>word2<TAB>score``, ``#`` comments) read as
            gensim reads it, or rows ``(word1, word2, score)`` such as :func:`user_word_pairs` returns.
        name: the benchmark's name (defaults to the file name, or "pairs").
        restrict_vocab: only the first rows of the space count as vocabulary.
    """
    invalid = 0
    if isinstance(pairs_path_or_rows, (str, Path)):
        rows, invalid = _read_pairs_file(pairs_path_or_rows)
        name = name or Path(pairs_path_or_rows).name
    else:
        rows = [(str(a), str(b), float(s)) for a, b, s in pairs_path_or_rows]
        name = name or "pairs"
    ok = _ok_vocab(space, restrict_vocab)
    used = [(a, b, s, ok[a.upper()], ok[b.upper()]) for a, b, s in rows if a.upper() in ok and b.upper() in ok]
    unit, _ = _unit_rows(space.vectors)
    left = np.array([u[3] for u in used], dtype=np.int64)
    right = np.array([u[4] for u in used], dtype=np.int64)
    model = np.einsum("ij,ij->i", unit[left], unit[right]).astype(np.float64) if used else np.zeros(0)
    gold = np.array([u[2] for u in used], dtype=np.float64)
    table = pd.DataFrame({"word1": [u[0] for u in used], "word2": [u[1] for u in used], "gold": gold,
                          "model": model})
    total = len(rows)
    oov_share = (total - len(used)) / total if total else math.nan
    nan = math.nan
    note = ""
    if len(used) < 3:
        pearson = spearman = (nan, nan)
        note = (f"only {len(used)} of {total} pairs have both words in the vocabulary; "
                "correlations need at least 3")
    else:
        from scipy import stats  # lazy: importing the CLI (and finetune, which ranks with this module) stays fast

        pearson = _correlation(stats.pearsonr, gold, model)
        spearman = _correlation(stats.spearmanr, gold, model)
        if math.isnan(pearson[0]) or math.isnan(spearman[0]):
            note = "a constant score column makes the correlation undefined"
    return SimilarityResult(name, total, len(used), oov_share, pearson[0], pearson[1], spearman[0], spearman[1],
                            table, invalid, note)


def user_word_pairs(name: str, data: bytes) -> list[PairRow]:
    """Rows ``(word1, word2, score)`` from an uploaded CSV ``word1,word2,score``; a header line is optional.

    Tabs and semicolons are accepted as separators too. Blank lines are skipped.

    Raises:
        ValueError: naming the file and line of the first bad row, or when there is no row at all.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    sample = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = next((d for d in (",", "\t", ";") if d in sample), ",")
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise ValueError(f"{name}: not a readable CSV ({error})") from None
    rows: list[PairRow] = []
    first = True
    for line_no, fields in enumerate(lines, start=1):
        fields = [f.strip() for f in fields]
        if not any(fields):
            continue
        is_first, first = first, False
        if len(fields) != 3:
            raise ValueError(f"{name} line {line_no}: expected 3 columns word1,word2,score, got {len(fields)}: "
                             f"{delimiter.join(fields)!r}")
        a, b, raw = fields
        try:
            score = float(raw)
        except ValueError:
            if is_first:
                continue  # a header
            raise ValueError(f"{name} line {line_no}: score {raw!r} is not a number") from None
        if not math.isfinite(score):
            raise ValueError(f"{name} line {line_no}: score {raw!r} is not a finite number")
        if not a or not b:
            raise ValueError(f"{name} line {line_no}: empty word")
        rows.append((a, b, score))
    if not rows:
        raise ValueError(f"{name}: no word pairs found (expected lines word1,word2,score)")
    return rows


def _read_analogies(path: str | Path) -> tuple[list[str], list[tuple[int, str, str, str, str]]]:
    """Section names and questions (section index, a, b, c, expected), read like gensim."""
    sections: list[str] = []
    questions = []
    with open(path, "rb") as fin:
        for line_no, raw in enumerate(fin):
            line = raw.decode("utf8")
            if line.startswith(": "):
                sections.append(line.lstrip(": ").strip())
                continue
            if not sections:
                raise ValueError(f"missing section header before line #{line_no} in {path}")
            parts = line.split()
            if len(parts) != 4:
                continue  # gensim skips invalid (including blank) lines
            questions.append((len(sections) - 1, *parts))
    return sections, questions


def analogies(space: EmbeddingSpace, path: str | Path | None = None, restrict_vocab: int = RESTRICT_VOCAB,
              name: str | None = None, batch_size: int = 512) -> AnalogyResult:
    """3CosAdd accuracy on an analogy file (``: section`` headers, then ``a b c expected`` lines).

    Defaults to the Google analogy set; equals gensim's ``evaluate_word_analogies`` (see the module notes).
    Queries are scored in batches with one matrix product each.
    """
    path = path or questions_words_path()
    name = name or Path(path).name
    section_names, questions = _read_analogies(path)
    ok = _ok_vocab(space, restrict_vocab)
    limit = min(restrict_vocab, len(space))
    usable = [q for q in questions if all(w.upper() in ok for w in q[1:])]
    correct_by_section = np.zeros(len(section_names), dtype=np.int64)
    total_by_section = np.zeros(len(section_names), dtype=np.int64)
    if usable:
        unit, norms = _unit_rows(space.vectors[:limit])
        cand = np.asarray(space.vectors[:limit], dtype=np.float32)
        safe_norms = np.where(norms == 0, 1, norms)
        upper_words = [w.upper() for w in space.words[:limit]]
        idx = np.array([[ok[w.upper()] for w in q[1:4]] for q in usable], dtype=np.int64)  # a, b, c
        # keep a batch's score matrix around 64 MB
        step = max(1, min(batch_size, 16_000_000 // max(limit, 1)))
        topn = min(ANALOGY_TOPN, limit)
        for start in range(0, len(usable), step):
            rows = idx[start:start + step]
            mean = (unit[rows[:, 1]] + unit[rows[:, 2]] - unit[rows[:, 0]]) / np.float32(3)
            mean_norm = np.linalg.norm(mean, axis=1, keepdims=True)
            mean = (mean / np.where(mean_norm == 0, 1, mean_norm)).astype(np.float32)
            scores = (mean @ cand.T) / safe_norms  # (batch, limit)
            scores[:, norms == 0] = -np.inf
            np.put_along_axis(scores, rows, -np.inf, axis=1)  # the question words are never answers
            if topn < limit:
                part = np.argpartition(-scores, topn - 1, axis=1)[:, :topn]
            else:
                part = np.tile(np.arange(limit), (len(rows), 1))
            order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
            best = np.take_along_axis(part, order, axis=1)
            for k, candidates in enumerate(best):
                section, a, b, c, expected = usable[start + k]
                ignore = {a.upper(), b.upper(), c.upper()}
                predicted = None
                for j in candidates:
                    if not np.isfinite(scores[k, j]):
                        break
                    predicted = upper_words[j]
                    if predicted not in ignore:
                        break
                total_by_section[section] += 1
                correct_by_section[section] += predicted == expected.upper()
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.where(total_by_section > 0, correct_by_section / np.maximum(total_by_section, 1), np.nan)
    table = pd.DataFrame({"section": section_names, "correct": correct_by_section, "total": total_by_section,
                          "accuracy": accuracy})
    correct, total = int(correct_by_section.sum()), int(total_by_section.sum())
    note = ""
    if not questions:
        note = "no questions found"
    elif not total:
        note = "no question has all four words in the vocabulary"
    return AnalogyResult(name, correct / total if total else math.nan, correct, total, len(questions),
                         (len(questions) - total) / len(questions) if questions else math.nan, table,
                         restrict_vocab, note)


def to_keyed_vectors(space: EmbeddingSpace) -> KeyedVectors:
    """A gensim ``KeyedVectors`` with the space's words and vectors, in the same order."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=space.dim, count=0, dtype=np.float32)
    kv.add_vectors(list(space.words), np.asarray(space.vectors, dtype=np.float32))
    return kv


def benchmark_table(results: dict[str, tuple[Sequence[SimilarityResult], AnalogyResult]],
                    retrievals: dict[str, RetrievalResult] | None = None) -> pd.DataFrame:
    """One row per space and benchmark, side by side: the table the Evaluate page, the CLI and the report show.

    Args:
        results: space name -> (word-similarity results, analogy result).
        retrievals: space name -> held-out retrieval (two rows: MRR@k and recall@k), for the spaces that have it.

    Returns:
        Columns space, benchmark, metric (Spearman / accuracy / MRR@k / recall@k), score, pearson, used, total,
        oov_share.
    """
    rows = []
    for space, (similarities, analogy) in results.items():
        for result in similarities:
            rows.append({"space": space, "benchmark": result.name, "metric": "Spearman", "score": result.spearman,
                         "pearson": result.pearson, "used": result.pairs_used, "total": result.pairs_total,
                         "oov_share": result.oov_share})
        rows.append({"space": space, "benchmark": analogy.name, "metric": "accuracy", "score": analogy.accuracy,
                     "pearson": float("nan"), "used": analogy.total, "total": analogy.questions,
                     "oov_share": analogy.oov_share})
        found = (retrievals or {}).get(space)
        if found is not None:
            for metric, score in ((f"MRR@{found.k}", found.mrr), (f"recall@{found.k}", found.recall)):
                rows.append({"space": space, "benchmark": f"held-out retrieval ({found.features})", "metric": metric,
                             "score": score, "pearson": float("nan"), "used": found.pairs - found.unanswerable,
                             "total": found.pairs, "oov_share": found.unanswerable / found.pairs})
    return pd.DataFrame(rows)


def intrinsic(space: EmbeddingSpace, user_pairs: Sequence[PairRow] = (),
              user_name: str = "your pairs") -> tuple[list[SimilarityResult], AnalogyResult]:
    """Every intrinsic benchmark for one space: WordSim-353, SimLex-999, the user's pairs (if any), analogies."""
    similarities = [word_similarity(space, builtin_pairs_path(name), name) for name in BUILTIN_PAIRS]
    if user_pairs:
        similarities.append(word_similarity(space, user_pairs, user_name))
    return similarities, analogies(space, name="Google analogies")


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


def text_vectors(space: EmbeddingSpace, texts: Sequence[str],
                 progress: Callable[[float], None] | None = None) -> np.ndarray:
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
    from embedlab.corpus import tokenize

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
    return SENTENCE_EMBEDDINGS if space.encoder is not None else MEAN_WORD_VECTORS


def task_evaluation(space: EmbeddingSpace, corpus, folds: int = 5, seed: int = 42, min_per_label: int = 5,
                    progress: Callable[[float], None] | None = None) -> TaskResult:
    """Logistic regression on document vectors (``text_vectors``: sentence embeddings for sentence-transformer
    spaces, mean word vectors otherwise), stratified k-fold, seeded.

    Raises:
        ValueError: the corpus has no labels, or too few labelled documents to cross-validate.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_validate

    if not corpus.labels:
        raise ValueError(f"{corpus.name} has no label column: choose one when adding the corpus to evaluate a task")
    counts = pd.Series(corpus.labels).value_counts()
    kept_labels = set(counts[counts >= min_per_label].index) - {""}
    rows = [i for i, label in enumerate(corpus.labels) if label in kept_labels]
    if len(kept_labels) < 2:
        raise ValueError(f"{corpus.name}: {len(kept_labels)} labels have at least {min_per_label} documents; "
                         "a classifier needs two or more")
    dropped = len(set(counts.index) - kept_labels)
    features = text_vectors(space, document_texts(corpus), progress)[rows]  # all of them: one disk-cache entry
    empty = int((~features.any(axis=1)).sum())
    labels = np.array([corpus.labels[i] for i in rows])
    folds = min(folds, int(counts[list(kept_labels)].min()))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = cross_validate(LogisticRegression(max_iter=2000), features, labels, cv=splitter,
                            scoring=("accuracy", "f1_macro"))
    note = f"{dropped} labels with fewer than {min_per_label} documents left out" if dropped else ""
    return TaskResult(space.name, folds, len(rows), len(kept_labels), float(scores["test_accuracy"].mean()),
                      float(scores["test_accuracy"].std()), float(scores["test_f1_macro"].mean()),
                      float(scores["test_f1_macro"].std()), empty, note, features_kind(space))


@dataclass(frozen=True, eq=False)
class RetrievalResult:
    """Held-out pair retrieval: each anchor ranks every held-out positive by cosine; where does its own land?"""

    space: str
    pairs: int
    mrr: float  # MRR@k
    recall: float  # recall@k
    k: int
    unanswerable: int  # pairs whose anchor or positive has no vector in the space (a static space knows no word)
    features: str
    pairs_source: str


def rank_metrics(anchors: np.ndarray, positives: np.ndarray, k: int = RETRIEVAL_K) -> dict[str, float]:
    """MRR@k and recall@k of each anchor's own positive (row i of ``positives``) among all positives.

    Args:
        anchors, positives: arrays of shape (pairs, dim), unit rows; a pair with a zero row (a text the space
            knows no word of) is a miss, not a tie won.
    """
    sims = anchors @ positives.T
    ranks = (sims > np.diag(sims)[:, None]).sum(axis=1) + 1  # 1 = the right positive scored highest
    hits = (ranks <= k) & anchors.any(axis=1) & positives.any(axis=1)
    return {f"mrr@{k}": round(float(np.where(hits, 1.0 / ranks, 0.0).mean()), 6),
            f"recall@{k}": round(float(hits.mean()), 6)}


def retrieval(space: EmbeddingSpace, pairs: Sequence[tuple[str, str]], pairs_source: str, k: int = RETRIEVAL_K,
              progress: Callable[[float], None] | None = None) -> RetrievalResult:
    """Held-out retrieval for any space, so static and sentence-transformer spaces sit in one table."""
    from embedlab.spaces import normalise_rows

    if not pairs:
        raise ValueError("no held-out pairs to retrieve")
    vectors = normalise_rows(text_vectors(space, pair_texts(pairs), progress))
    anchors, positives = vectors[0::2], vectors[1::2]
    scores = rank_metrics(anchors, positives, k)
    unanswerable = int((~anchors.any(axis=1) | ~positives.any(axis=1)).sum())
    return RetrievalResult(space.name, len(pairs), scores[f"mrr@{k}"], scores[f"recall@{k}"], k, unanswerable,
                           features_kind(space), pairs_source)


def pair_texts(pairs: Sequence[tuple[str, str]]) -> list[str]:
    """The texts of pairs in the order ``retrieval`` encodes them: anchor, positive, anchor, positive, ..."""
    return [text for pair in pairs for text in pair]


def held_out_run(specs: Sequence[str]) -> str:
    """The first fine-tuned run among ``specs`` (its held-out pairs are the ones retrieval uses), or ""."""
    from embedlab import finetune

    return next((spec for spec in specs if finetune.has_held_out_pairs(spec)), "")


def held_out_pairs(corpus, run_ids: Sequence[str] = ()) -> tuple[list[tuple[str, str]], str]:
    """Pairs no chosen model trained on: those the first fine-tuned run among ``run_ids`` held out, else the
    neighbouring-sentence pairs a default fine-tune on ``corpus`` would hold out.

    Returns:
        The pairs and a sentence saying where they come from.

    Raises:
        ValueError: the corpus has too few sentence pairs.
    """
    from embedlab import finetune

    for run_id in run_ids:
        pairs = finetune.held_out_pairs(run_id)
        if pairs:
            return pairs, f"the {len(pairs)} pairs fine-tuning run {run_id} held out (never trained on)"
    pairs = finetune.make_pairs(corpus, finetune.FinetuneConfig()).held_out
    return pairs, (f"{len(pairs)} pairs of neighbouring sentences from the documents a default fine-tune on "
                   f"{corpus.name} holds out")


# Word sets of Caliskan et al. (2017), "Semantics derived automatically from language corpora contain human-like
# biases", tests 1, 6 and 7 (lowercased; a few multi-word entries left out).
WEAT_SETS: dict[str, dict[str, list[str]]] = {
    "Flowers vs insects / pleasant vs unpleasant": {
        "X": "aster clover hyacinth marigold poppy azalea crocus iris orchid rose bluebell daffodil lilac pansy "
             "tulip buttercup daisy lily peony violet carnation gladiola magnolia petunia zinnia".split(),
        "Y": "ant caterpillar flea locust spider bedbug centipede fly maggot tarantula bee cockroach gnat mosquito "
             "termite beetle cricket hornet moth wasp blackfly dragonfly horsefly roach weevil".split(),
        "A": "caress freedom health love peace cheer friend heaven loyal pleasure diamond gentle honest lucky "
             "rainbow diploma gift honor miracle sunrise family happy laughter paradise vacation".split(),
        "B": "abuse crash filth murder sickness accident death grief poison stink assault disaster hatred pollute "
             "tragedy divorce jail poverty ugly cancer kill rotten vomit agony prison".split(),
    },
    "Career vs family / male vs female names": {
        "X": "executive management professional corporation salary office business career".split(),
        "Y": "home parents children family cousins marriage wedding relatives".split(),
        "A": "john paul mike kevin steve greg jeff bill".split(),
        "B": "amy joan lisa sarah diana kate ann donna".split(),
    },
    "Math vs arts / male vs female terms": {
        "X": "math algebra geometry calculus equations computation numbers addition".split(),
        "Y": "poetry art dance literature novel symphony drama sculpture".split(),
        "A": "male man boy brother he him his son".split(),
        "B": "female woman girl sister she her hers daughter".split(),
    },
}
WEAT_MIN_WORDS = 2  # per set, after dropping missing words


@dataclass(frozen=True, eq=False)
class WeatResult:
    """WEAT effect size (Cohen's d of the targets' association difference) and a one-sided permutation p-value."""

    space: str
    effect_size: float
    p_value: float
    used: dict[str, int]
    missing: dict[str, list[str]]  # words of each set the space lacks: listed, never silently dropped
    note: str = ""


def weat(space: EmbeddingSpace, sets: dict[str, Sequence[str]], permutations: int = 10_000,
         seed: int = 42) -> WeatResult:
    """The Word Embedding Association Test of target sets X, Y against attribute sets A, B.

    s(w) = mean cos(w, A) - mean cos(w, B); effect size = (mean s(X) - mean s(Y)) / std s(X ∪ Y); p = share of
    random equal-size splits of X ∪ Y whose statistic is at least the observed one (seeded).
    """
    missing = {name: [w for w in sets[name] if w not in space.index] for name in ("X", "Y", "A", "B")}
    present = {name: [w for w in sets[name] if w in space.index] for name in ("X", "Y", "A", "B")}
    used = {name: len(words) for name, words in present.items()}
    short = [name for name, count in used.items() if count < WEAT_MIN_WORDS]
    if short:
        note = (f"too few words left in {', '.join(short)} (at least {WEAT_MIN_WORDS} per set are needed); "
                "add words the space knows")
        return WeatResult(space.name, math.nan, math.nan, used, missing, note)
    vectors = {name: space.vectors[[space.index[w] for w in words]] for name, words in present.items()}
    targets = np.vstack([vectors["X"], vectors["Y"]])
    association = (targets @ vectors["A"].T).mean(axis=1) - (targets @ vectors["B"].T).mean(axis=1)
    size_x = used["X"]
    observed = association[:size_x].sum() - association[size_x:].sum()
    effect = (association[:size_x].mean() - association[size_x:].mean()) / association.std(ddof=1)
    rng = np.random.default_rng(seed)
    total = association.sum()
    samples = np.array([association[rng.permutation(len(association))[:size_x]].sum() for _ in range(permutations)])
    statistics = samples - (total - samples)
    p_value = float((np.sum(statistics >= observed) + 1) / (permutations + 1))
    return WeatResult(space.name, float(effect), p_value, used, missing)


SWEEP_DIMS = (16, 32, 64, 128, 256)


def sweep_dims(space: EmbeddingSpace, dims: Sequence[int] = SWEEP_DIMS) -> list[int]:
    """The sizes a sweep of ``space`` scores: each of ``dims`` no larger than the space, and the full size."""
    return sorted({d for d in dims if 1 <= d <= space.dim} | {space.dim})


def reduced(space: EmbeddingSpace, dim: int, seed: int = 42) -> EmbeddingSpace:
    """The space reduced with PCA (fitted on its word vectors) to ``dim`` dimensions, rows re-normalised; a
    sentence-transformer's text encoder is reduced by the same projection."""
    if dim >= space.dim:
        return space
    from sklearn.decomposition import PCA

    pca = PCA(n_components=dim, random_state=seed).fit(space.vectors)
    return _linear_copy(space, pca.transform, space.name, f"{space.source}, PCA to {dim} dimensions")


def sweep_row(space: EmbeddingSpace, dim: int, corpus=None, seed: int = 42) -> dict[str, float]:
    """One size of a dimension sweep: dim, MB per 100k words (float32), WordSim-353 and SimLex-999 Spearman, and
    when the corpus has labels the task accuracy and macro-F1."""
    smaller = reduced(space, dim, seed)
    row = {"dim": dim, "MB per 100k words": dim * 4 * 100_000 / 1e6}
    for name in BUILTIN_PAIRS:
        row[f"{name} Spearman"] = word_similarity(smaller, builtin_pairs_path(name), name).spearman
    if corpus is not None and corpus.labels:
        task = task_evaluation(smaller, corpus, seed=seed)
        row["task accuracy"], row["task macro-F1"] = task.accuracy, task.macro_f1
    return row


def dimension_sweep(space: EmbeddingSpace, corpus=None, dims: Sequence[int] = SWEEP_DIMS,
                    seed: int = 42) -> pd.DataFrame:
    """Quality against size: ``sweep_row`` for each of ``sweep_dims``, one row per dimension."""
    return pd.DataFrame([sweep_row(space, dim, corpus, seed) for dim in sweep_dims(space, dims)])


def _linear_copy(space: EmbeddingSpace, transform: Callable[[np.ndarray], np.ndarray], name: str,
                 source: str) -> EmbeddingSpace:
    """A derived space: ``transform`` applied to every word vector (and to the encoder's text vectors), rows
    re-normalised."""
    import dataclasses

    from embedlab.spaces import normalise_rows

    encoder = None if space.encoder is None else partial(_transformed_encoder, space.encoder, transform)
    return dataclasses.replace(space, name=name, vectors=normalise_rows(transform(space.vectors)), source=source,
                               encoder=encoder)


def _transformed_encoder(encoder: Callable[..., np.ndarray], transform: Callable[[np.ndarray], np.ndarray],
                         texts: Sequence[str], progress: Callable[[float], None] | None = None) -> np.ndarray:
    from embedlab.spaces import normalise_rows

    return normalise_rows(transform(encoder(texts, progress)))


# Bolukbasi et al. (2016), "Man is to computer programmer as woman is to homemaker?", definitional pairs.
GENDER_PAIRS: tuple[tuple[str, str], ...] = (
    ("she", "he"), ("her", "his"), ("woman", "man"), ("mary", "john"), ("herself", "himself"),
    ("daughter", "son"), ("mother", "father"), ("gal", "guy"), ("girl", "boy"), ("female", "male"))
MIN_DEFINITIONAL_PAIRS = 2


def bias_direction(space: EmbeddingSpace, pairs: Sequence[tuple[str, str]] = GENDER_PAIRS
                   ) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """The first principal component of the definitional pairs' differences (each pair centred on its mean),
    signed so that it points from the second word of the pairs to the first.

    Returns:
        A unit vector of shape (dim,) and the pairs used (both words in the space).

    Raises:
        ValueError: fewer than two pairs have both words in the space (the message names the missing words).
    """
    used = [(a, b) for a, b in pairs if a in space.index and b in space.index]
    if len(used) < MIN_DEFINITIONAL_PAIRS:
        missing = sorted({w for pair in pairs for w in pair if w not in space.index})
        raise ValueError(f"{space.name}: {len(used)} of the {len(pairs)} definitional pairs have both words in the "
                         f"space (missing: {', '.join(missing)}); debiasing needs at least {MIN_DEFINITIONAL_PAIRS}")
    differences = []
    for a, b in used:
        first, second = space.vectors[space.index[a]], space.vectors[space.index[b]]
        centre = (first + second) / 2
        differences += [first - centre, second - centre]
    _, _, components = np.linalg.svd(np.asarray(differences, dtype=np.float64), full_matrices=False)
    direction = components[0]
    spread = np.mean([space.vectors[space.index[a]] - space.vectors[space.index[b]] for a, b in used], axis=0)
    if spread @ direction < 0:
        direction = -direction
    return direction.astype(np.float32), used


def debias(space: EmbeddingSpace, pairs: Sequence[tuple[str, str]] = GENDER_PAIRS,
           name: str | None = None) -> EmbeddingSpace:
    """A derived space with the bias direction (``bias_direction``) projected out of every word vector (and of
    a sentence-transformer's text vectors): hard debiasing's "neutralise" step for all words.

    Raises:
        ValueError: too few definitional pairs in the space.
    """
    direction, used = bias_direction(space, pairs)

    def project_out(vectors: np.ndarray) -> np.ndarray:
        vectors = np.asarray(vectors, dtype=np.float32)
        return vectors - np.outer(vectors @ direction, direction)

    source = (f"{space.source}; debiased: the gender direction from {len(used)} definitional pairs "
              f"({', '.join(f'{a}–{b}' for a, b in used)}) projected out")
    from embedlab.spaces import DEBIAS_SUFFIX

    return _linear_copy(space, project_out, name or space.name + DEBIAS_SUFFIX, source)


RESULTS_FILE = "evaluation.json"


def save_run_results(spec: str, corpus_id: str | None, section: str, payload: Any) -> bool:
    """Keep an evaluation result with the run it scored (``runs/<id>/evaluation.json``, written atomically), so
    the Runs page shows it; other spaces (baseline, files, derived copies) keep nothing. Returns whether kept.

    Args:
        section: ``benchmarks``, ``task``, ``retrieval`` or ``weat``; payload: plain JSON-able data.
    """
    from embedlab import store

    folder = store.runs_dir() / spec
    if store.get_run(spec) is None or not folder.is_dir():
        return False
    saved = run_results(spec)
    saved[section] = {"corpus_id": corpus_id, "saved": time.time(), "result": payload}
    store.write_bytes(folder / RESULTS_FILE, json.dumps(saved, ensure_ascii=False, default=_plain).encode("utf-8"))
    return True


def _plain(value: Any) -> Any:
    """JSON for numpy scalars; NaN stays NaN (json writes it, and reads it back)."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in {RESULTS_FILE}")


def run_results(run_id: str) -> dict[str, Any]:
    """A run's stored evaluation results by section (empty when it was never evaluated or the file is damaged)."""
    from embedlab import store

    path = store.runs_dir() / run_id / RESULTS_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def results_summary(run_id: str) -> dict[str, float]:
    """A run's stored results as flat columns for the Runs page: each benchmark's score, the task accuracy and
    macro-F1, held-out MRR@10, WEAT effect sizes (NaN where never evaluated)."""
    saved = run_results(run_id)
    columns = {f"{name} ρ": math.nan for name in BUILTIN_PAIRS}
    columns.update({"analogies": math.nan, "task accuracy": math.nan, "task macro-F1": math.nan,
                    f"retrieval MRR@{RETRIEVAL_K}": math.nan})
    for row in saved.get("benchmarks", {}).get("result", []):
        if row["benchmark"] in BUILTIN_PAIRS:
            columns[f"{row['benchmark']} ρ"] = row["score"]
        elif row["metric"] == "accuracy":
            columns["analogies"] = row["score"]
    task = saved.get("task", {}).get("result")
    if task:
        columns["task accuracy"], columns["task macro-F1"] = task["accuracy"], task["macro_f1"]
    found = saved.get("retrieval", {}).get("result")
    if found:
        columns[f"retrieval MRR@{RETRIEVAL_K}"] = found["mrr"]
    for name, weat_result in saved.get("weat", {}).get("result", {}).items():
        columns[f"WEAT d: {name}"] = weat_result["effect_size"]
    return columns
