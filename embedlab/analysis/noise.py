"""The seed-noise floor of "what changed": how much a word's neighbourhood changes when only the training seed
does, and which A-vs-B changes are larger than that.

Neighbourhoods of Word2Vec/FastText spaces differ between seeds even on the same corpus (Antoniak and Mimno 2018,
TACL 6; Wendlandt, Kummerfeld and Mihalcea 2018, NAACL), so a low Jaccard@k between A and B is a finding only when
it is lower than what reseeding alone gives. A run trained with several seeds (:mod:`embedlab.spaces.replicas`)
gives each word R(R-1)/2 seed-to-seed Jaccard@k values per space; the word's **floor** is their mean.

The test, per word: its A-vs-B Jaccard@k is **beyond noise** when

1. it is lower than every seed-to-seed Jaccard@k of that word (of A's seeds, and B's when B has replicas), and
2. a one-sided empirical test against the seed-to-seed Jaccard@k of the words of similar frequency gives
   p = (1 + #{values <= it}) / (1 + #values) <= ``ALPHA`` (0.05).

The reference pool in (2) is the words' frequency stratum (the comparison's bands, merged until each holds
``MIN_STRATUM`` words): frequency drives stability and is not estimated from the same seeds, so for a random word of
the stratum p is a valid p-value when B is only another seed (the A-vs-B value is then one more draw of the
stratum's seed-to-seed values). Pooling by the word's own floor instead would condition on the noise it measures:
with two or three seeds, a word whose seeds agreed by luck would be flagged by its next reseeding. Condition (1)
keeps a word whose own seeds already disagree as much from being flagged for its stratum's sake. Jaccard@k takes
few values, and ties count against the word (<=), so p is conservative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from embedlab.analysis.bands import band_order
from embedlab.metrics import nearest_rows, row_jaccard
from embedlab.spaces.replicas import SeedReplicas
from embedlab.spaces.space import EmbeddingSpace, normalise_rows

ALPHA = 0.05
UNSTABLE_FLOOR = 0.15  # mean seed-to-seed Jaccard@k below this: neighbourhoods are mostly seed noise
MIN_STRATUM = 50  # words per frequency stratum: 50 words x 3 seed pairs put the smallest p at 1/151


@dataclass(frozen=True)
class NoiseFloor:
    """What the seed-noise floor of a comparison rests on and what it found.

    Attributes:
        seeds_a, seeds_b: each space's seeds (the primary's first); empty for a space without replicas.
        k: the Jaccard@k it compares.
        tested: scored words with a floor (every scored word the replicas hold).
        beyond: of those, words whose A-vs-B change is beyond noise (the module's test).
        searched: words whose neighbours were searched again in the replicas' vectors, their stored lists holding
            fewer than k shared words (or k past the stored depth).
        mean_floor: the tested words' mean floor (0..1): how much of a neighbourhood survives a reseeding.
        alpha: the test's level.
    """

    seeds_a: tuple[int, ...]
    seeds_b: tuple[int, ...]
    k: int
    tested: int
    beyond: int
    searched: int = 0
    mean_floor: float = float("nan")
    alpha: float = ALPHA

    @property
    def known(self) -> bool:
        return bool(self.seeds_a or self.seeds_b)

    @property
    def share(self) -> float:
        """Share of the tested words changed beyond noise (0..1); 0 when none was tested."""
        return self.beyond / self.tested if self.tested else 0.0

    def caption(self, a_name: str = "A", b_name: str = "B") -> str:
        """One paragraph for the page, the CLI and the report: what the floor is and what it found."""
        if not self.known:
            return (
                "Seed-noise floor unknown: neither space has seed replicas, so nothing here separates a real change "
                "from the differences retraining with another seed alone makes (the baseline and vectors files have "
                "none; train Word2Vec or FastText with 2 or more seeds to get one)."
            )
        sides = [
            f"{name}'s {len(seeds)} seeds ({', '.join(map(str, seeds))})"
            for name, seeds in ((a_name, self.seeds_a), (b_name, self.seeds_b))
            if seeds
        ]
        missing = [name for name, seeds in ((a_name, self.seeds_a), (b_name, self.seeds_b)) if not seeds]
        unknown = f" {missing[0]} has no seed replicas: its own seed noise is not counted." if missing else ""
        unstable = (
            f" The seeds themselves share little: a word keeps on average {self.mean_floor:.0%} of its "
            f"{self.k} nearest when only the seed changes, so few changes can stand out; train longer (more epochs) "
            "or on more text for a floor that can."
            if self.mean_floor < UNSTABLE_FLOOR
            else ""
        )
        return (
            f"{self.beyond:,} of {self.tested:,} scored words ({self.share:.1%}) changed beyond seed noise; "
            f"retraining with another seed alone marks up to about {self.alpha:.0%}. The floor is each word's mean "
            f"seed-to-seed Jaccard@{self.k} over {' and '.join(sides)}.{unknown} Beyond noise: the A-vs-B "
            f"Jaccard@{self.k} is below every seed-to-seed value of the word, and in the lowest {self.alpha:.0%} of "
            f"seed-to-seed values of words of similar frequency (one-sided empirical test, p ≤ {self.alpha:g})."
            + unstable
        )


def _replica_lists(
    replicas: SeedReplicas, space: EmbeddingSpace, words: Sequence[str], shared: Sequence[str], k: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Every seed's k nearest shared words of each word, as rows of the replicas' vocabulary.

    Returns:
        lists: int array of shape (seeds, len(words), k); rows of words the replicas lack are -1.
        held: bool array of shape (len(words),), the words the replicas hold.
        searched: how many words were searched again (their stored lists ran short of shared words).
    """
    index = {word: i for i, word in enumerate(replicas.words)}
    held = np.fromiter((word in index for word in words), dtype=bool, count=len(words))
    rows = np.fromiter((index.get(word, 0) for word in words), dtype=np.int64, count=len(words))
    in_shared = np.zeros(len(replicas.words), dtype=bool)
    in_shared[[index[word] for word in shared if word in index]] = True
    stored = replicas.neighbours[:, rows, :].astype(np.int64)  # (seeds, n, depth)
    keep = in_shared[stored]
    # the first k shared entries of each list: a search restricted to the shared words ranks them in this order
    first = np.argsort(~keep, axis=2, kind="stable")[:, :, :k]
    lists = np.take_along_axis(stored, first, axis=2)
    enough = (keep.sum(axis=2) >= k).all(axis=0) & (k <= replicas.depth)
    again = np.flatnonzero(held & ~enough)
    if k > replicas.depth:
        lists = np.zeros((len(stored), len(words), k), dtype=np.int64)
    if len(again):
        lists[:, again] = _search_again(replicas, space, rows[again], in_shared, k)
    lists[:, ~held] = -1
    return lists, held, len(again)


def _search_again(
    replicas: SeedReplicas, space: EmbeddingSpace, rows: np.ndarray, in_shared: np.ndarray, k: int
) -> np.ndarray:
    """Each seed's k nearest shared words of ``rows`` (replica rows), searched in its vectors: (seeds, len(rows), k)."""
    candidates = np.flatnonzero(in_shared)
    position = np.full(len(in_shared), -1, dtype=np.int64)
    position[candidates] = np.arange(len(candidates))
    primary = np.stack([space.vectors[space.index[word]] for word in np.asarray(replicas.words)[candidates]])
    matrices = [primary] + [normalise_rows(seed[candidates]) for seed in replicas.vectors]
    out = np.empty((len(matrices), len(rows), k), dtype=np.int64)
    for i, matrix in enumerate(matrices):
        out[i] = candidates[nearest_rows(matrix, k, position[rows])]
    return out


def _seed_pairs(lists: np.ndarray) -> np.ndarray:
    """Jaccard@k of every pair of seeds per word: float array of shape (pairs, words)."""
    return np.stack([row_jaccard(lists[i], lists[j]) for i, j in combinations(range(len(lists)), 2)])


def _strata(bands: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Stratum number per word: its frequency band, consecutive bands merged until each holds MIN_STRATUM words."""
    order = band_order(counts)
    stratum_of_band: dict[str, int] = {}
    stratum, size = 0, 0
    sizes = pd.Series(bands).value_counts()
    for band in order:
        stratum_of_band[band] = stratum
        size += int(sizes.get(band, 0))
        if size >= MIN_STRATUM:
            stratum, size = stratum + 1, 0
    if 0 < size < MIN_STRATUM and stratum > 0:  # a short last stratum joins the one before it
        stratum_of_band = {band: min(number, stratum - 1) for band, number in stratum_of_band.items()}
    return np.fromiter((stratum_of_band.get(band, 0) for band in bands), dtype=np.int64, count=len(bands))


def seed_floor(
    frame: pd.DataFrame,
    a: EmbeddingSpace,
    b: EmbeddingSpace,
    shared: Sequence[str],
    k: int,
) -> tuple[pd.DataFrame, NoiseFloor]:
    """Each scored word's seed-noise floor and whether its A-vs-B change is beyond it (the module's test).

    Args:
        frame: a comparison frame (columns word, jaccard, band, count_a, count_b): the A-vs-B Jaccard@k per word.
        a, b: the whole spaces; a run trained with several seeds carries its ``seed_replicas``.
        shared: the words both hold, among which neighbours are searched (the replicas' lists are filtered to them).
        k: the Jaccard@k of ``frame``, at most len(shared) - 1.

    Returns:
        ``frame`` with columns floor (mean seed-to-seed Jaccard@k, 0..1; NaN without replicas), noise_p (the
        empirical p-value; NaN untested) and beyond_noise (bool), and the :class:`NoiseFloor` summary.
    """
    words = frame["word"].tolist()
    pairs, held, seeds, searched = [], np.ones(len(words), dtype=bool), [], 0
    for space in (a, b):
        replicas = space.seed_replicas() if space.seed_replicas is not None else None
        seeds.append(replicas.seeds if replicas is not None else ())
        if replicas is None:
            continue
        lists, holds, again = _replica_lists(replicas, space, words, shared, k)
        pairs.append(_seed_pairs(lists))
        held &= holds
        searched += again
    floor, p, beyond = np.full(len(words), np.nan), np.full(len(words), np.nan), np.zeros(len(words), dtype=bool)
    if not pairs:
        return frame.assign(floor=floor, noise_p=p, beyond_noise=beyond), NoiseFloor((), (), k, 0, 0)
    values = np.concatenate(pairs)[:, held]  # (seed pairs, tested words)
    observed = frame["jaccard"].to_numpy()[held]
    counts = np.maximum(frame["count_a"].to_numpy(), frame["count_b"].to_numpy())[held]
    strata = _strata(frame["band"].to_numpy()[held], counts)
    tested_p = np.empty(len(observed))
    for stratum in np.unique(strata):
        members = strata == stratum
        pool = np.sort(values[:, members].ravel())
        tested_p[members] = (1 + np.searchsorted(pool, observed[members], side="right")) / (1 + len(pool))
    floor[held] = values.mean(axis=0)
    p[held] = tested_p
    beyond[held] = (observed < values.min(axis=0)) & (tested_p <= ALPHA)
    summary = NoiseFloor(
        seeds[0], seeds[1], k, int(held.sum()), int(beyond.sum()), searched, float(values.mean()) if held.any() else 0.0
    )
    return frame.assign(floor=floor, noise_p=p, beyond_noise=beyond), summary
