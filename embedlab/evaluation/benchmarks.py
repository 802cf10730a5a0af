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

Which vocabulary a space is scored on (:func:`intrinsic`, the one the Evaluate page, the CLI and the report use):
a space with a model that encodes any text (the MiniLM baseline, a fine-tuned MiniLM, their debiased or reduced
copies) is scored on the benchmark's own words, each encoded alone by that model (:func:`with_encoded_words`), so
its score no longer depends on which words the corpus happened to hold; a Word2Vec/FastText run or a vectors file
cannot encode a word it never saw and is scored on its own vocabulary. Every result says which in ``vocabulary``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from embedlab.errors import EmbedLabError
from embedlab.evaluation.retrieval import RetrievalResult

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

    from embedlab.spaces.space import EmbeddingSpace


RESTRICT_VOCAB = 300000


ANALOGY_TOPN = 5  # gensim looks at the five best candidates


_ANALOGY_SCORES = 4_000_000  # scores per batch of analogy questions (questions x candidate words)


BUILTIN_PAIRS = {"WordSim-353": "wordsim353.tsv", "SimLex-999": "simlex999.txt"}


PairRow = tuple[str, str, float]


def _datapath(filename: str) -> str:
    # lazy: gensim (and the scipy it loads) adds ~1 s to start-up; only this path needs it
    from gensim.test.utils import datapath

    return datapath(filename)


def builtin_pairs_path(name: str) -> str:
    """The path of a benchmark gensim ships: ``WordSim-353`` or ``SimLex-999``."""
    try:
        return _datapath(BUILTIN_PAIRS[name])
    except KeyError:
        raise EmbedLabError(f"unknown word-pair benchmark '{name}': choose one of {', '.join(BUILTIN_PAIRS)}") from None


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
        vocabulary: which words the space was scored on, for people (e.g. "the space's own 8,661 words").
        pair_ids: int array of shape (pairs_used,): each used pair's row among the benchmark's valid rows, so two
            spaces can be compared on the pairs both score (:mod:`embedlab.evaluation.uncertainty`).
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
    vocabulary: str = ""
    pair_ids: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)


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
        vocabulary: which words were questions and answer candidates, for people.
        question_ids: int array of shape (total,): each evaluated question's index among the questions read.
        question_correct: bool array of shape (total,): whether that question was answered right.
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
    vocabulary: str = ""
    question_ids: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    question_correct: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, dtype=bool), repr=False)


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


def word_similarity(
    space: EmbeddingSpace,
    pairs_path_or_rows: str | Path | Iterable[Sequence[Any]],
    name: str | None = None,
    restrict_vocab: int = RESTRICT_VOCAB,
) -> SimilarityResult:
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
        rows = [(str(a), str(b), float(s)) for a, b, s in map(tuple, pairs_path_or_rows)]
        name = name or "pairs"
    ok = _ok_vocab(space, restrict_vocab)
    used_ids = [i for i, (a, b, _) in enumerate(rows) if a.upper() in ok and b.upper() in ok]
    used = [(a, b, s, ok[a.upper()], ok[b.upper()]) for a, b, s in (rows[i] for i in used_ids)]
    unit, _ = _unit_rows(space.vectors)
    left = np.array([u[3] for u in used], dtype=np.int64)
    right = np.array([u[4] for u in used], dtype=np.int64)
    model = np.einsum("ij,ij->i", unit[left], unit[right]).astype(np.float64) if used else np.zeros(0)
    gold = np.array([u[2] for u in used], dtype=np.float64)
    table = pd.DataFrame({"word1": [u[0] for u in used], "word2": [u[1] for u in used], "gold": gold, "model": model})
    total = len(rows)
    oov_share = (total - len(used)) / total if total else math.nan
    nan = math.nan
    note = ""
    if len(used) < 3:
        pearson = spearman = (nan, nan)
        note = f"only {len(used)} of {total} pairs have both words in the vocabulary; correlations need at least 3"
    else:
        # lazy: scipy adds ~0.3 s to every start-up; only this path needs it
        from scipy import stats

        pearson = _correlation(stats.pearsonr, gold, model)
        spearman = _correlation(stats.spearmanr, gold, model)
        if math.isnan(pearson[0]) or math.isnan(spearman[0]):
            note = "a constant score column makes the correlation undefined"
    return SimilarityResult(
        name,
        total,
        len(used),
        oov_share,
        pearson[0],
        pearson[1],
        spearman[0],
        spearman[1],
        table,
        invalid,
        note,
        own_vocabulary(space, restrict_vocab),
        np.array(used_ids, dtype=np.int64),
    )


def user_word_pairs(name: str, data: bytes) -> list[PairRow]:
    """Rows ``(word1, word2, score)`` from an uploaded CSV ``word1,word2,score``; a header line is optional.

    Tabs and semicolons are accepted as separators too. Blank lines are skipped.

    Raises:
        ValueError: naming the file and line of the first bad row, or when there is no row at all.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EmbedLabError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    sample = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = next((d for d in (",", "\t", ";") if d in sample), ",")
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise EmbedLabError(f"{name}: not a readable CSV ({error})") from None
    rows: list[PairRow] = []
    first = True
    for line_no, fields in enumerate(lines, start=1):
        fields = [f.strip() for f in fields]
        if not any(fields):
            continue
        is_first, first = first, False
        if len(fields) != 3:
            raise EmbedLabError(
                f"{name} line {line_no}: expected 3 columns word1,word2,score, got {len(fields)}: "
                f"{delimiter.join(fields)!r}"
            )
        a, b, raw = fields
        try:
            score = float(raw)
        except ValueError:
            if is_first:
                continue  # a header
            raise EmbedLabError(f"{name} line {line_no}: score {raw!r} is not a number") from None
        if not math.isfinite(score):
            raise EmbedLabError(f"{name} line {line_no}: score {raw!r} is not a finite number")
        if not a or not b:
            raise EmbedLabError(f"{name} line {line_no}: empty word")
        rows.append((a, b, score))
    if not rows:
        raise EmbedLabError(f"{name}: no word pairs found (expected lines word1,word2,score)")
    return rows


def _read_analogies(path: str | Path) -> tuple[list[str], list[tuple[int, str, str, str, str]]]:
    """Section names and questions (section index, a, b, c, expected), read like gensim."""
    sections: list[str] = []
    questions: list[tuple[int, str, str, str, str]] = []
    with open(path, "rb") as fin:
        for line_no, raw in enumerate(fin):
            line = raw.decode("utf8")
            if line.startswith(": "):
                sections.append(line.lstrip(": ").strip())
                continue
            if not sections:
                raise EmbedLabError(f"missing section header before line #{line_no} in {path}")
            parts = line.split()
            if len(parts) != 4:
                continue  # gensim skips invalid (including blank) lines
            questions.append((len(sections) - 1, parts[0], parts[1], parts[2], parts[3]))
    return sections, questions


def analogies(
    space: EmbeddingSpace,
    path: str | Path | None = None,
    restrict_vocab: int = RESTRICT_VOCAB,
    name: str | None = None,
    batch_size: int = 512,
) -> AnalogyResult:
    """3CosAdd accuracy on an analogy file (``: section`` headers, then ``a b c expected`` lines).

    Defaults to the Google analogy set; equals gensim's ``evaluate_word_analogies`` (see the module notes).
    Queries are scored in batches with one matrix product each.
    """
    path = path or questions_words_path()
    name = name or Path(path).name
    section_names, questions = _read_analogies(path)
    ok = _ok_vocab(space, restrict_vocab)
    limit = min(restrict_vocab, len(space))
    usable_ids = [i for i, q in enumerate(questions) if all(w.upper() in ok for w in q[1:])]
    usable = [questions[i] for i in usable_ids]
    answered = np.zeros(len(usable), dtype=bool)
    correct_by_section = np.zeros(len(section_names), dtype=np.int64)
    total_by_section = np.zeros(len(section_names), dtype=np.int64)
    if usable:
        unit, norms = _unit_rows(space.vectors[:limit])
        cand = np.asarray(space.vectors[:limit], dtype=np.float32)
        safe_norms = np.where(norms == 0, 1, norms)
        upper_words = [w.upper() for w in space.words[:limit]]
        idx = np.array([[ok[w.upper()] for w in q[1:4]] for q in usable], dtype=np.int64)  # a, b, c
        # a batch's scores, their negation and argpartition's indices: about 100 MB at 4M scores (16M took 400 MB,
        # the verdict's peak on a 3M-token corpus), the matrix products still large enough to be fast
        step = max(1, min(batch_size, _ANALOGY_SCORES // max(limit, 1)))
        topn = min(ANALOGY_TOPN, limit)
        for start in range(0, len(usable), step):
            rows = idx[start : start + step]
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
                answered[start + k] = predicted == expected.upper()
                correct_by_section[section] += answered[start + k]
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.where(total_by_section > 0, correct_by_section / np.maximum(total_by_section, 1), np.nan)
    table = pd.DataFrame(
        {"section": section_names, "correct": correct_by_section, "total": total_by_section, "accuracy": accuracy}
    )
    correct, total = int(correct_by_section.sum()), int(total_by_section.sum())
    note = ""
    if not questions:
        note = "no questions found"
    elif not total:
        note = "no question has all four words in the vocabulary"
    return AnalogyResult(
        name,
        correct / total if total else math.nan,
        correct,
        total,
        len(questions),
        (len(questions) - total) / len(questions) if questions else math.nan,
        table,
        restrict_vocab,
        note,
        own_vocabulary(space, restrict_vocab) + " (answers searched among them)",
        np.array(usable_ids, dtype=np.int64),
        answered,
    )


def to_keyed_vectors(space: EmbeddingSpace) -> KeyedVectors:
    """A gensim ``KeyedVectors`` with the space's words and vectors, in the same order."""
    # lazy: gensim (and the scipy it loads) adds ~1 s to start-up; only this path needs it
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=space.dim, count=0, dtype=np.float32)
    kv.add_vectors(list(space.words), np.asarray(space.vectors, dtype=np.float32))
    return kv


def benchmark_table(
    results: dict[str, tuple[Sequence[SimilarityResult], AnalogyResult]],
    retrievals: dict[str, RetrievalResult] | None = None,
) -> pd.DataFrame:
    """One row per space and benchmark, side by side: the table the Evaluate page, the CLI and the report show.

    Args:
        results: space name -> (word-similarity results, analogy result).
        retrievals: space name -> held-out retrieval (two rows: MRR@k and recall@k), for the spaces that have it.

    Returns:
        Columns space, benchmark, metric (Spearman / accuracy / MRR@k / recall@k), score, pearson, used, total,
        oov_share, vocabulary (which words the space was scored on).
    """
    rows = []
    for space, (similarities, analogy) in results.items():
        for result in similarities:
            rows.append(
                {
                    "space": space,
                    "benchmark": result.name,
                    "metric": "Spearman",
                    "score": result.spearman,
                    "pearson": result.pearson,
                    "used": result.pairs_used,
                    "total": result.pairs_total,
                    "oov_share": result.oov_share,
                    "vocabulary": result.vocabulary,
                }
            )
        rows.append(
            {
                "space": space,
                "benchmark": analogy.name,
                "metric": "accuracy",
                "score": analogy.accuracy,
                "pearson": float("nan"),
                "used": analogy.total,
                "total": analogy.questions,
                "oov_share": analogy.oov_share,
                "vocabulary": analogy.vocabulary,
            }
        )
        found = (retrievals or {}).get(space)
        if found is not None:
            for metric, score in ((f"MRR@{found.k}", found.mrr), (f"recall@{found.k}", found.recall)):
                rows.append(
                    {
                        "space": space,
                        "benchmark": f"held-out retrieval ({found.features})",
                        "metric": metric,
                        "score": score,
                        "pearson": float("nan"),
                        "used": found.pairs - found.unanswerable,
                        "total": found.pairs,
                        "oov_share": found.unanswerable / found.pairs,
                        "vocabulary": f"the held-out pairs' texts ({found.features})",
                    }
                )
    return pd.DataFrame(rows)


def own_vocabulary(space: EmbeddingSpace, restrict_vocab: int = RESTRICT_VOCAB) -> str:
    """How people read "scored on the space's own words": e.g. ``the space's own 8,661 words``."""
    if len(space) > restrict_vocab:
        return f"the space's first {restrict_vocab:,} of its {len(space):,} words"
    return f"the space's own {len(space):,} words"


def with_encoded_words(
    space: EmbeddingSpace, words: Iterable[str], case_insensitive: bool = True
) -> tuple[EmbeddingSpace, int]:
    """The space with the ``words`` it lacks added, each encoded alone by the space's own model.

    Only a space with a text encoder (``space.encoder``: the MiniLM baseline, a fine-tuned MiniLM, their debiased,
    in-context or PCA-reduced copies, whose encoder applies the same map) can encode a word it does not hold; any
    other space is returned unchanged. Added rows come after the space's own (counts 0), so its own words keep their
    vectors (an in-context space keeps its contextual ones). All of ``words`` are encoded in one call, whatever the
    space already holds, so the disk cache of the encodings is shared by every corpus.

    Args:
        space: the space to extend.
        words: the words wanted (e.g. a benchmark's); duplicates and empty strings are ignored.
        case_insensitive: match words as the benchmarks do (``str.upper``), else exactly (as WEAT does).

    Returns:
        (the extended space, or ``space`` itself; how many words were added).
    """
    if space.encoder is None:
        return space, 0
    wanted = list(dict.fromkeys(w for w in words if w))
    fold = str.upper if case_insensitive else str
    known = {fold(w) for w in space.words}
    added: dict[str, int] = {}
    for row, word in enumerate(wanted):
        if fold(word) not in known:
            added.setdefault(fold(word), row)
    if not added:
        return space, 0
    encoded, _ = _unit_rows(space.encoder(wanted))  # (len(wanted), dim)
    rows = list(added.values())
    return (
        dataclasses.replace(
            space,
            words=space.words + tuple(wanted[row] for row in rows),
            vectors=np.vstack([space.vectors, encoded[rows]]).astype(np.float32),
            counts=np.concatenate([space.counts, np.zeros(len(rows), dtype=np.int64)]),
        ),
        len(rows),
    )


def pair_words(rows: Iterable[Sequence[Any]]) -> list[str]:
    """The words of word-pair rows ``(word1, word2, score)``, in order, each once."""
    return list(dict.fromkeys(str(word) for row in rows for word in row[:2]))


def analogy_words(path: str | Path | None = None) -> list[str]:
    """The words of an analogy file (default: the Google set), in order, each once."""
    _, questions = _read_analogies(path or questions_words_path())
    return list(dict.fromkeys(word for question in questions for word in question[1:]))


def _missing(space: EmbeddingSpace, words: Sequence[str]) -> int:
    """How many of ``words`` (case-insensitive, each once) the space lacks."""
    known = {w.upper() for w in space.words}
    return len({w.upper() for w in words} - known)


def _encoded_vocabulary(space: EmbeddingSpace, words: Sequence[str], what: str) -> str:
    missing, total = _missing(space, words), len({w.upper() for w in words})
    shown = f"{missing:,} of {total:,} not among its {len(space):,} words"
    return f"{what}'s own words, encoded by the space's model ({shown})"


def score_pairs(space: EmbeddingSpace, rows: Sequence[PairRow], name: str, invalid_lines: int = 0) -> SimilarityResult:
    """:func:`word_similarity` on the words a space can give: a space with a model is scored on every word of the
    pairs (:func:`with_encoded_words`), any other space on its own vocabulary; ``vocabulary`` says which.

    Args:
        space: the space to score.
        rows: ``(word1, word2, score)`` rows, e.g. read from a benchmark file.
        name: the benchmark's name.
        invalid_lines: malformed lines skipped while reading ``rows`` (reported in the result).
    """
    words = pair_words(rows)
    extended, _ = with_encoded_words(space, words)
    result = word_similarity(extended, rows, name)
    if extended is space:
        return dataclasses.replace(result, invalid_lines=invalid_lines)
    vocabulary = _encoded_vocabulary(space, words, "the benchmark")
    return dataclasses.replace(result, invalid_lines=invalid_lines, vocabulary=vocabulary)


def builtin_pairs(name: str) -> tuple[list[PairRow], int]:
    """The rows of a built-in word-pair benchmark (``WordSim-353``, ``SimLex-999``) and its malformed lines."""
    return _read_pairs_file(builtin_pairs_path(name))


def intrinsic(
    space: EmbeddingSpace,
    user_pairs: Sequence[PairRow] = (),
    user_name: str = "your pairs",
    progress: Callable[[float], None] | None = None,
) -> tuple[list[SimilarityResult], AnalogyResult]:
    """Every intrinsic benchmark for one space: WordSim-353, SimLex-999, the user's pairs (if any), analogies.

    A space with a model (see :func:`with_encoded_words`) is scored on each benchmark's own words; for the
    analogies its answer candidates are the space's own words plus every word of the analogy file (encoded by its
    model), so each expected answer is a candidate, as it is in a Word2Vec space that holds all four words. Other
    spaces are scored on their own vocabulary, the numbers equal to gensim's. Each result's ``vocabulary`` says
    which. The first call for a model encodes about 2,300 benchmark words (seconds; then cached on disk).
    ``progress`` is called with the share of the benchmarks done, after each one (the analogies count for half).
    """
    similarities = []
    parts = len(BUILTIN_PAIRS) + bool(user_pairs)
    for name in BUILTIN_PAIRS:
        rows, invalid = builtin_pairs(name)
        similarities.append(score_pairs(space, rows, name, invalid))
        if progress is not None:
            progress(0.5 * len(similarities) / parts)
    if user_pairs:
        similarities.append(score_pairs(space, list(user_pairs), user_name))
        if progress is not None:
            progress(0.5)
    words = analogy_words()
    extended, _ = with_encoded_words(space, words)
    analogy = analogies(extended, name="Google analogies")
    if extended is not space:
        vocabulary = (
            f"answers searched among the space's {len(space):,} words + the analogy file's {len(words):,}, encoded "
            f"by the space's model ({_missing(space, words):,} not among its own)"
        )
        analogy = dataclasses.replace(analogy, vocabulary=vocabulary)
    if progress is not None:
        progress(1.0)
    return similarities, analogy
