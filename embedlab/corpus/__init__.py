"""Corpora: reading an upload, tokenising it and storing it once, so training and coverage read the same tokens.

An upload's bytes, in any common encoding, become documents (text, Markdown, CSV/TSV, JSONL, zip:
:mod:`~embedlab.corpus.readers`), then sentences of lowercased Unicode words that keep technical terms whole
(:mod:`~embedlab.corpus.tokens`; ICU word breaks for scripts written without spaces, :mod:`~embedlab.corpus.segment`),
stored under ``$EMBEDLAB_HOME`` by a content id (:mod:`~embedlab.corpus.stored`). Its languages
(:mod:`~embedlab.corpus.language`) and typical words (:mod:`~embedlab.corpus.keywords`) are measured from it.

Main entry points: :func:`build_corpus` (bytes to a stored :class:`Corpus`), :func:`load_corpus`,
:func:`list_corpora`, :func:`tokenize`, and :func:`normalise_query` (a word typed in a box, normalised as the
corpus was). These lines run as a test:

>>> from embedlab import corpus
>>> corpus.tokenize("The sparse matrix's eigenvalues, e.g. np.linalg.norm in 3.11.2.")
[['the', 'sparse', "matrix's", 'eigenvalues', 'e.g', 'np.linalg.norm', 'in', '3.11.2']]
>>> corpus.normalise_query(" NumPy")
'numpy'

Storing an upload::

    notes = corpus.build_corpus("notes.csv", data, corpus.ReadOptions(label_column="label"))
    notes.id, notes.stats.documents, notes.labels[:3]
"""

from embedlab.corpus.keywords import TypicalWords, distinctive_words, function_words, typical_words
from embedlab.corpus.language import (
    CorpusLanguages,
    corpus_languages,
    identify_texts,
    language_name,
    reference_language,
    wordfreq_language,
)
from embedlab.corpus.readers import (
    ACCEPTED_SUFFIXES,
    DELIMITERS,
    JSONL_SUFFIXES,
    PLAIN_TEXT,
    TABLE_SUFFIXES,
    TEXT_SUFFIXES,
    RawDocuments,
    ReadOptions,
    applied_read_options,
    check_size,
    decode,
    delimiter_choices,
    delimiter_name,
    detect_delimiter,
    file_kind,
    label_column_guess,
    read_documents,
    table_columns,
)
from embedlab.corpus.stored import (
    Corpus,
    CorpusDeletion,
    CorpusStats,
    build_corpus,
    corpus_deletion,
    corpus_from_file,
    delete_corpus,
    list_corpora,
    load_corpus,
    no_labels_reason,
    read_upload_file,
)
from embedlab.corpus.tokens import (
    TOKENIZER_VERSION,
    TokenizeOptions,
    normalise_query,
    tokenize,
)

__all__ = [
    "ACCEPTED_SUFFIXES",
    "Corpus",
    "CorpusDeletion",
    "CorpusLanguages",
    "CorpusStats",
    "DELIMITERS",
    "JSONL_SUFFIXES",
    "PLAIN_TEXT",
    "RawDocuments",
    "ReadOptions",
    "TABLE_SUFFIXES",
    "TEXT_SUFFIXES",
    "TOKENIZER_VERSION",
    "TypicalWords",
    "TokenizeOptions",
    "applied_read_options",
    "build_corpus",
    "check_size",
    "corpus_deletion",
    "corpus_from_file",
    "corpus_languages",
    "decode",
    "delete_corpus",
    "delimiter_choices",
    "delimiter_name",
    "detect_delimiter",
    "distinctive_words",
    "file_kind",
    "function_words",
    "label_column_guess",
    "identify_texts",
    "language_name",
    "list_corpora",
    "load_corpus",
    "no_labels_reason",
    "normalise_query",
    "read_documents",
    "read_upload_file",
    "reference_language",
    "table_columns",
    "tokenize",
    "typical_words",
    "wordfreq_language",
]
