"""Corpora: reading uploads (sniffing, decoding, CSV/TSV/JSONL/zip), tokenising, and the stored corpus."""

from embedlab.corpus.keywords import distinctive_words
from embedlab.corpus.readers import (
    ACCEPTED_SUFFIXES,
    JSONL_SUFFIXES,
    TABLE_SUFFIXES,
    TEXT_SUFFIXES,
    RawDocuments,
    ReadOptions,
    check_size,
    decode,
    file_kind,
    read_documents,
    table_columns,
)
from embedlab.corpus.stored import (
    Corpus,
    CorpusStats,
    build_corpus,
    corpus_from_file,
    list_corpora,
    load_corpus,
)
from embedlab.corpus.tokens import (
    TOKENIZER_VERSION,
    TokenizeOptions,
    tokenize,
)

__all__ = [
    "ACCEPTED_SUFFIXES",
    "Corpus",
    "CorpusStats",
    "JSONL_SUFFIXES",
    "RawDocuments",
    "ReadOptions",
    "TABLE_SUFFIXES",
    "TEXT_SUFFIXES",
    "TOKENIZER_VERSION",
    "TokenizeOptions",
    "build_corpus",
    "check_size",
    "corpus_from_file",
    "decode",
    "distinctive_words",
    "file_kind",
    "list_corpora",
    "load_corpus",
    "read_documents",
    "table_columns",
    "tokenize",
]
