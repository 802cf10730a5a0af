"""Spaces derived from another: a PCA-reduced copy (the dimension sweep) and a debiased copy (``SPEC@debiased``).

A derived space keeps its words and counts; its vectors (and a sentence-transformer's text encoder, and a FastText
run's vectors built from subwords) go through the same linear map, then rows are re-normalised.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from embedlab.errors import EmbedLabError
from embedlab.spaces.space import EmbeddingSpace, normalise_rows
from embedlab.spaces.spec import DEBIAS_SUFFIX


def reduced(space: EmbeddingSpace, dim: int, seed: int = 42) -> EmbeddingSpace:
    """The space reduced with PCA (fitted on its word vectors) to ``dim`` dimensions, rows re-normalised; a
    sentence-transformer's text encoder is reduced by the same projection."""
    if dim >= space.dim:
        return space
    from sklearn.decomposition import PCA  # lazy: scikit-learn costs ~1 s to import, and only the sweep uses PCA

    pca = PCA(n_components=dim, random_state=seed).fit(space.vectors)
    return _linear_copy(space, pca.transform, space.name, f"{space.source}, PCA to {dim} dimensions")


def _linear_copy(
    space: EmbeddingSpace, transform: Callable[[np.ndarray], np.ndarray], name: str, source: str
) -> EmbeddingSpace:
    """A derived space: ``transform`` applied to every word vector (and to the encoder's text vectors), rows
    re-normalised."""
    encoder = None if space.encoder is None else partial(_transformed_encoder, space.encoder, transform)
    oov_vector = None if space.oov_vector is None else partial(_transformed_oov_vector, space.oov_vector, transform)
    return dataclasses.replace(
        space,
        name=name,
        vectors=normalise_rows(transform(space.vectors)),
        source=source,
        encoder=encoder,
        oov_vector=oov_vector,
        seed_replicas=None,
    )


def _transformed_oov_vector(
    oov_vector: Callable[[str], np.ndarray | None], transform: Callable[[np.ndarray], np.ndarray], word: str
) -> np.ndarray | None:
    """A FastText word built from subwords, mapped like the space's own words (unit vector of shape (dim,))."""
    vector = oov_vector(word)
    return None if vector is None else normalise_rows(transform(vector[None, :]))[0]


def _transformed_encoder(
    encoder: Callable[..., np.ndarray],
    transform: Callable[[np.ndarray], np.ndarray],
    texts: Sequence[str],
    progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    return normalise_rows(transform(encoder(texts, progress)))


# Bolukbasi et al. (2016), "Man is to computer programmer as woman is to homemaker?", definitional pairs.
GENDER_PAIRS: tuple[tuple[str, str], ...] = (
    ("she", "he"),
    ("her", "his"),
    ("woman", "man"),
    ("mary", "john"),
    ("herself", "himself"),
    ("daughter", "son"),
    ("mother", "father"),
    ("gal", "guy"),
    ("girl", "boy"),
    ("female", "male"),
)


MIN_DEFINITIONAL_PAIRS = 2


def bias_direction(
    space: EmbeddingSpace, pairs: Sequence[tuple[str, str]] = GENDER_PAIRS
) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """The first principal component of the definitional pairs' differences (each pair centred on its mean),
    signed so that it points from the second word of the pairs to the first (Bolukbasi et al. 2016, "Man is to
    Computer Programmer as Woman is to Homemaker?", section 5).

    A space that can encode text (the baseline, a fine-tuned MiniLM) encodes the pair words it does not hold, each
    alone, as it does its own words; other spaces use the pairs whose both words they have.

    Returns:
        A unit vector of shape (dim,) and the pairs used.

    Raises:
        ValueError: fewer than two pairs have both words in the space (the message names the missing words).
    """
    vectors = {w: space.vectors[space.index[w]] for pair in pairs for w in pair if w in space.index}
    unknown = sorted({w for pair in pairs for w in pair} - set(vectors))
    if unknown and space.encoder is not None:
        vectors |= dict(zip(unknown, np.asarray(space.encoder(unknown), dtype=np.float32)))
    used = [(a, b) for a, b in pairs if a in vectors and b in vectors]
    if len(used) < MIN_DEFINITIONAL_PAIRS:
        missing = sorted({w for pair in pairs for w in pair if w not in vectors})
        raise EmbedLabError(
            f"{space.name}: {len(used)} of the {len(pairs)} definitional pairs have both words in the "
            f"space (missing: {', '.join(missing)}); debiasing needs at least {MIN_DEFINITIONAL_PAIRS}"
        )
    differences = []
    for a, b in used:
        first, second = vectors[a], vectors[b]
        centre = (first + second) / 2
        differences += [first - centre, second - centre]
    _, _, components = np.linalg.svd(np.asarray(differences, dtype=np.float64), full_matrices=False)
    direction = components[0]
    spread = np.mean([vectors[a] - vectors[b] for a, b in used], axis=0)
    if spread @ direction < 0:
        direction = -direction
    return direction.astype(np.float32), used


def debias(
    space: EmbeddingSpace, pairs: Sequence[tuple[str, str]] = GENDER_PAIRS, name: str | None = None
) -> EmbeddingSpace:
    """A derived space with the bias direction (``bias_direction``) projected out of every word vector (and of
    a sentence-transformer's text vectors): hard debiasing's "neutralise" step for all words.

    Raises:
        ValueError: too few definitional pairs in the space.
    """
    direction, used = bias_direction(space, pairs)

    def project_out(vectors: np.ndarray) -> np.ndarray:
        vectors = np.asarray(vectors, dtype=np.float32)
        return vectors - np.outer(vectors @ direction, direction)

    source = (
        f"{space.source}; debiased: the gender direction from {len(used)} definitional pairs "
        f"({', '.join(f'{a}–{b}' for a, b in used)}) projected out"
    )
    return _linear_copy(space, project_out, name or space.name + DEBIAS_SUFFIX, source)
