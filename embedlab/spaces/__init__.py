"""Embedding spaces: every source of vectors as one :class:`EmbeddingSpace`, named by a space spec.

An ``EmbeddingSpace`` is a vocabulary, an L2-normalised float32 matrix (one row per word), the words' counts in the
corpus and where it came from: every comparison takes two of them and never asks which kind they are. A spec
string names a space and is parsed once (:class:`SpaceSpec`): ``baseline`` (the bundled MiniLM,
:mod:`~embedlab.spaces.baseline`), a run id, or ``vectors:PATH`` (a word2vec/GloVe file,
:mod:`~embedlab.spaces.formats`), optionally with ``@context`` (words read in their corpus sentences),
``@debiased`` (:mod:`~embedlab.spaces.derived`) or ``@seedN`` (one seed replica of a run).

Main entry points: :func:`load_space` (a spec to a space, on a corpus), :func:`space_labels` (the readable names
every page shows), :func:`read_vectors` and :func:`export_space` (files), :func:`debias` and :func:`reduced`
(derived copies). This line runs as a test:

>>> from embedlab import spaces
>>> spaces.SpaceSpec.parse("run-20261130-101500-a408e2@context")
SpaceSpec(kind=<SpaceKind.RUN: 'run'>, source='run-20261130-101500-a408e2', context=True, debiased=False, seed=None)

Loading spaces (MiniLM's vectors for the corpus's words are computed once and cached on disk)::

    baseline = spaces.load_space("baseline", notes)
    trained = spaces.load_space(run_id, notes)
    trained.words[:5], trained.vectors.shape        # (words, dimensions), float32, unit rows
"""

from embedlab.spaces.derived import (
    GENDER_PAIRS,
    MIN_DEFINITIONAL_PAIRS,
    bias_direction,
    debias,
    reduced,
)
from embedlab.spaces.export import (
    export_file_name,
    export_space,
    run_export_bytes,
)
from embedlab.spaces.formats import (
    EXPORT_MIME,
    ExportFormat,
    RenamedWord,
    VectorFormat,
    VectorsFile,
    projector_zip,
    read_vectors,
    read_vectors_file,
    vectors_dim,
    word2vec_bytes,
    write_vectors,
)
from embedlab.spaces.labels import (
    BASELINE_LABEL,
    mismatch_notes,
    space_label,
    space_labels,
)
from embedlab.spaces.language import baseline_language_note
from embedlab.spaces.load import (
    default_comparison,
    load_space,
    space_choices,
    transformer_vocabulary,
)
from embedlab.spaces.provenance import (
    CorpusMismatch,
    corpus_mismatches,
    newest_trained_corpus,
    runs_trained_on,
    trained_corpus,
)
from embedlab.spaces.space import (
    EmbeddingSpace,
    normalise_rows,
)
from embedlab.spaces.spec import (
    BASELINE,
    CONTEXT_SUFFIX,
    DEBIAS_SUFFIX,
    VECTORS_PREFIX,
    SpaceKind,
    SpaceSpec,
    debiased_copies,
    newest_run_or_baseline,
    validate_spec,
)
from embedlab.spaces.uploads import (
    UploadedVectors,
    delete_uploaded_vectors,
    list_uploaded_vectors,
    register_vectors_path,
    save_uploaded_vectors,
)

__all__ = [
    "BASELINE",
    "BASELINE_LABEL",
    "CONTEXT_SUFFIX",
    "DEBIAS_SUFFIX",
    "EXPORT_MIME",
    "EmbeddingSpace",
    "CorpusMismatch",
    "ExportFormat",
    "GENDER_PAIRS",
    "MIN_DEFINITIONAL_PAIRS",
    "SpaceKind",
    "SpaceSpec",
    "UploadedVectors",
    "VECTORS_PREFIX",
    "VectorFormat",
    "RenamedWord",
    "VectorsFile",
    "baseline_language_note",
    "bias_direction",
    "corpus_mismatches",
    "debias",
    "debiased_copies",
    "default_comparison",
    "delete_uploaded_vectors",
    "export_file_name",
    "export_space",
    "list_uploaded_vectors",
    "load_space",
    "mismatch_notes",
    "newest_run_or_baseline",
    "newest_trained_corpus",
    "normalise_rows",
    "projector_zip",
    "read_vectors",
    "read_vectors_file",
    "reduced",
    "run_export_bytes",
    "runs_trained_on",
    "register_vectors_path",
    "save_uploaded_vectors",
    "space_choices",
    "space_label",
    "space_labels",
    "trained_corpus",
    "transformer_vocabulary",
    "validate_spec",
    "vectors_dim",
    "word2vec_bytes",
    "write_vectors",
]
