"""Embedding spaces: the ``EmbeddingSpace`` type, space specs, loaders, vectors file formats, uploads,
exports, derived (debiased, reduced) copies and the bundled baseline model (``embedlab.spaces.baseline``).
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
