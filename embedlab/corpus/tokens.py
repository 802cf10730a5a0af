r"""Tokenising: text into sentences of word tokens, written to the corpus's sentence file as they are made, and
optional phrase detection (gensim's ``Phrases``) over that file.

What a word is, for every script (the README's "Scripts and forms" says the same to users):

* Text is put in Unicode Normalization Form C (UAX #15) first, at ingest and for every query
  (:func:`normalise_query`), so ``café`` typed with a combining accent (NFD, as macOS file names and PDF extraction
  give) and precomposed are one word.
* A word is a run of letters, combining marks and digits (Unicode categories L, M, N): vowel signs and viramas of
  Indic scripts, Thai vowels and tone marks, Hebrew points and Arabic harakat stay inside their word. Python's ``\w``
  does not match marks (Mn/Mc), so the pattern uses the ``regex`` package's ``\p{..}`` classes.
* Scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Burmese) are split into words by ICU's
  word-break rules and dictionaries (:mod:`embedlab.corpus.segment`).
* Technical terms are kept whole, in every corpus: ``snake_case_names``, ``dotted.names`` (``np.linalg.norm``,
  ``v2.0``, ``3.11.2``), ``std::vector``, ``C++``/``C#``, ``.NET``, ``--flags``, with the inner ``-`` and ``'`` of
  prose (``beta-blocker``, ``don't``). Always rather than only in corpora that look like code: each form needs a
  character that prose does not put between two letters without a space (``_``, ``::``, a dot followed by a
  letter), so prose is split as before (``end.`` gives ``end``), while a per-corpus switch would split the same
  term differently in two corpora (or in the prose and code halves of one manual) and make a query's meaning
  depend on a guess. Abbreviations written with inner dots stay one token without their final stop (``e.g.``
  gives ``e.g``) and do not end a sentence.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import regex

from embedlab.corpus import segment as _segment
from embedlab.errors import EmbedLabError

# One pattern, compiled twice. The ``regex`` package's ``\p{..}`` classes are the definition: letters, combining
# marks, digits, and the zero-width (non-)joiners that Persian and Indic words hold inside. The stdlib ``re`` copy
# (``\w`` without ``_``: letters and digits only) tokenises ~2.5x faster and finds the same words in text without
# marks or joiners, which is nearly all text in spaced Latin, Cyrillic, Greek or Hangul: it is used there.
_FULL_CLASSES = {
    "word": r"[\p{L}\p{M}\p{N}\u200c\u200d]",
    "not_after_word_or_dash": r"(?<![\p{L}\p{M}\p{N}\u200c\u200d_\-]--)",
    "not_after_word_or_dot": r"(?<![\p{L}\p{M}\p{N}\u200c\u200d_.]\.)",
    "letter": r"[\p{L}\p{Nl}\p{No}]",  # what re's [^\W\d_] holds: letters and non-decimal numerals
    "not_word_or_hash": r"(?![\p{L}\p{M}\p{N}\u200c\u200d_\#])",
}
_FAST_CLASSES = {
    "word": r"[^\W_]",
    "not_after_word_or_dash": r"(?<![\w\-]--)",
    "not_after_word_or_dot": r"(?<![\w.]\.)",
    "letter": r"[^\W\d_]",
    "not_word_or_hash": r"(?![\w\#])",
}
_WORD_TEMPLATE = r"""
    (?: --{not_after_word_or_dash}(?={letter})     # --flags (lookbehinds after the literal: ~25% faster)
      | \.{not_after_word_or_dot}(?={letter}) )?   # .NET
    {word}+
    (?: (?: _+                                     # snake_case
          | [-'.\u05f3\u05f4]                      # beta-blocker, don't, dotted.names, 3.11.2, Hebrew geresh
          | ::                                     # std::vector
          | ,(?<=\d,)(?=\d) )                       # 1,000 and decimal commas
        {word}+ )*
    (?: \+\+ | \#{not_word_or_hash} )?             # C++, C#
"""
# What a word is, for every script (tokenize uses it, or the faster ASCII-class pattern when the text allows); the
# corpus store and the cluster ingest test a document for words with it too.
WORD = regex.compile(_WORD_TEMPLATE.format(**_FULL_CLASSES), regex.VERBOSE)
_FAST_WORD = re.compile(_WORD_TEMPLATE.format(**_FAST_CLASSES), re.VERBOSE)
_NEEDS_FULL = regex.compile(r"[\p{M}\u200c\u200d]")

# A sentence ends at a line break; after . ! ? (and the Devanagari danda, the Arabic question mark, the Urdu full
# stop) followed by space, unless the stop closes an abbreviation of single letters (e.g. i.e.); and right after
# the CJK full stops, which take no space.
_SENTENCE_END = re.compile(r"[.!?\u0964\u0965\u061f\u06d4](?<!\b\w\.\w\.)\s+|[。！？]\s*|\n+")


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u2010": "-", "\u2011": "-"})
_TYPOGRAPHIC = ("\u2019", "\u2018", "\u2010", "\u2011")


# Part of every corpus id: bump it when tokenising changes, so stored corpora are not reused across versions.
# 3: NFC, combining marks kept inside words, ICU segmentation of unspaced scripts, technical terms kept whole.
# 4: sentences longer than MAX_SENTENCE_TOKENS cut into pieces.
TOKENIZER_VERSION = 4

# gensim's Cython training keeps at most 10,000 words of one batch of sentences and silently skips the rest
# (MAX_SENTENCE_LEN in word2vec_corpusfile.pyx, piskvorky/gensim#2880); its corpus_file batcher fills a batch
# until it passes 10,000 words, so the sentence that crosses the limit loses its tail. A 24,000-token transcript
# cut at 10,000 still left its last topics untrained; cut at 5,000 or less, every topic trained. So long
# sentences are cut when stored, into pieces short enough that a batch overshoots by little.
MAX_SENTENCE_TOKENS = 1_000


@dataclass(frozen=True)
class TokenizeOptions:
    """How raw text becomes tokens; the same tokens feed training and coverage."""

    lowercase: bool = True
    phrases: bool = False
    phrase_min_count: int = 5
    phrase_threshold: float = 10.0

    def __post_init__(self) -> None:
        if self.phrase_min_count < 1:
            raise EmbedLabError(f"phrase_min_count must be at least 1, got {self.phrase_min_count}")
        if self.phrase_threshold <= 0:
            raise EmbedLabError(f"phrase_threshold must be positive, got {self.phrase_threshold}")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TokenizeOptions:
        """The options a stored corpus records (``Corpus.options["tokenize"]``); keys this version lacks are
        ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})


@dataclass
class TokenizeReport:
    """What tokenising a corpus did beyond splitting, for its stats and notices.

    Attributes:
        documents: documents tokenised.
        normalised: documents whose text Unicode NFC normalisation changed (decomposed accents, for instance).
        scripts: the scripts written without spaces that were segmented, with how many documents held each.
        split_sentences: sentences longer than ``MAX_SENTENCE_TOKENS`` tokens, cut into pieces of at most that many.
    """

    documents: int = 0
    normalised: int = 0
    scripts: Counter = field(default_factory=Counter)
    split_sentences: int = 0

    @property
    def segmenter(self) -> str | None:
        """The segmenter used and for which scripts, e.g. ``"ICU 78.3 word break (icu4py 1.2.0): Han, Hiragana"``;
        None when no text needed one."""
        if not self.scripts:
            return None
        names = [name for name in _segment.NO_SPACE_SCRIPTS if name in self.scripts]
        return f"{_segment.segmenter_name()}: {', '.join(names)}"

    def notices(self) -> list[str]:
        """Plain sentences for the corpus's notices: what was changed in the text and why."""
        found = []
        if self.normalised:
            found.append(
                f"{self.normalised:,} of {self.documents:,} documents were not in Unicode normal form C (accents "
                "written as separate combining marks, as macOS file names and PDF text give): they were normalised "
                "to NFC, so each word counts once however its accents were typed; searches are normalised the same "
                "way"
            )
        if self.scripts:
            names = ", ".join(name for name in _segment.NO_SPACE_SCRIPTS if name in self.scripts)
            found.append(
                f"text in scripts written without spaces ({names}) was split into words by "
                f"{_segment.segmenter_name()}; without it each clause would be one 'word'"
            )
        if self.split_sentences:
            found.append(
                f"{self.split_sentences:,} texts ran longer than {MAX_SENTENCE_TOKENS:,} tokens without a sentence "
                f"end (transcripts, code, lists): each was cut into pieces of at most {MAX_SENTENCE_TOKENS:,} tokens, "
                "because gensim's Word2Vec and FastText skip the end of longer texts; no token was dropped"
            )
        return found


def _split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def _normalise(text: str, lowercase: bool, report: TokenizeReport | None = None) -> str:
    """The text as the corpus keeps it: NFC (UAX #15), typographic apostrophes and hyphens made plain, lowercased
    when asked; NFC is checked again after lowercasing, which may decompose a few letters."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
        if report is not None:
            report.normalised += 1
    if any(mark in text for mark in _TYPOGRAPHIC):  # a few fast scans: translate() is slow on non-ASCII text
        text = text.translate(_APOSTROPHES)
    if lowercase:
        text = text.lower()
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
    return text


def _segmented(tokens: list[str]) -> list[str]:
    """Tokens holding a script written without spaces split into words by ICU; other tokens unchanged."""
    out: list[str] = []
    for token in tokens:
        if _segment.needs_segmenting(token):
            out.extend(_segment.segment(token))
        else:
            out.append(token)
    return out


def _tokenize(text: str, lowercase: bool, report: TokenizeReport | None) -> list[list[str]]:
    if report is not None:
        report.documents += 1
    if text.isascii():  # already NFC, no marks, no unspaced script: the fast pattern finds the same words
        pattern, scripts = _FAST_WORD, []
        text = text.lower() if lowercase else text
    else:
        text = _normalise(text, lowercase, report)
        scripts = _segment.scripts_in(text)
        # the full pattern for marks and joiners, and for CJK (whose newest ideographs re's older Unicode lacks)
        pattern = WORD if scripts or _NEEDS_FULL.search(text) else _FAST_WORD
        if report is not None:
            report.scripts.update(scripts)
    sentences = (pattern.findall(sentence) for sentence in _split_sentences(text))
    if scripts:
        sentences = (_segmented(tokens) for tokens in sentences)
    return [tokens for tokens in sentences if tokens]


def tokenize(text: str, lowercase: bool = True) -> list[list[str]]:
    """Split text into sentences of word tokens, as the corpus stores them.

    The text is normalised to NFC (Unicode UAX #15) and words are found as the module docstring says: letters,
    combining marks and digits with inner ``-`` ``'``, technical terms whole, unspaced scripts segmented by ICU
    (UAX #29 plus dictionaries). For example ``tokenize("Call np.linalg.norm, e.g. in C++. The end.")`` gives
    ``[["call", "np.linalg.norm", "e.g", "in", "c++"], ["the", "end"]]``.

    Returns:
        One list of tokens per sentence, sentences without a word left out (``[]`` for text without words).
    """
    return _tokenize(text, lowercase, None)


def normalise_query(text: str, options: TokenizeOptions | Mapping[str, Any] | None = None) -> str:
    """A word typed in a search box or given to ``--word``, normalised exactly as the corpus's tokens were.

    The same steps as :func:`tokenize`: surrounding space stripped, NFC, plain apostrophes, lowercased when the
    corpus was (``VACUUM`` finds ``vacuum``; ``café`` typed in NFD finds ``café``). When the query is one token of
    the corpus's tokeniser that token is returned (``"NumPy."`` gives ``numpy``); several tokens are joined with
    ``_`` when the corpus joined phrases (``heart failure`` gives ``heart_failure``), else the text is returned as
    typed (NFC, spaces collapsed, case kept), so that the "not found" message quotes what the user typed.

    Args:
        text: what the user typed.
        options: the corpus's tokenising options (a ``TokenizeOptions``, or the dict a stored corpus keeps under
            ``options["tokenize"]``); None for the defaults.

    Returns:
        The query as the corpus would have stored it (``""`` for blank input).
    """
    if options is None:
        options = TokenizeOptions()
    elif not isinstance(options, TokenizeOptions):
        options = TokenizeOptions.from_dict(options)
    typed = " ".join(unicodedata.normalize("NFC", text).split())
    tokens = [token for sentence in _tokenize(typed, options.lowercase, None) for token in sentence]
    if len(tokens) == 1:
        return tokens[0]
    if len(tokens) > 1 and options.phrases:
        return "_".join(tokens)
    return typed  # not one word of the corpus: the "not found" message quotes it as typed


def write_sentences(
    texts: Iterable[str], lowercase: bool, path: Path, report: TokenizeReport | None = None
) -> tuple[Counter, list[int]]:
    """Tokenise document by document straight into ``path``, one sentence a line, counting tokens on the way.

    Args:
        report: filled with what tokenising changed (NFC, segmentation), for the corpus's stats and notices.

    Returns:
        The token counts and the number of sentences of each document.
    """
    counts: Counter = Counter()
    per_document = []
    with path.open("w", encoding="utf-8") as handle:
        for text in texts:
            sentences = _within_limit(_tokenize(text, lowercase, report), report)
            per_document.append(len(sentences))
            for sentence in sentences:
                counts.update(sentence)
                handle.write(" ".join(sentence) + "\n")
    return counts, per_document


def _within_limit(sentences: list[list[str]], report: TokenizeReport | None = None) -> list[list[str]]:
    """The sentences, each longer than ``MAX_SENTENCE_TOKENS`` cut into consecutive pieces of at most that many
    tokens (the last piece the shortest), counted in ``report``; every token is kept, in order."""
    if all(len(sentence) <= MAX_SENTENCE_TOKENS for sentence in sentences):
        return sentences
    out = []
    for sentence in sentences:
        if len(sentence) > MAX_SENTENCE_TOKENS and report is not None:
            report.split_sentences += 1
        out += [sentence[i : i + MAX_SENTENCE_TOKENS] for i in range(0, len(sentence), MAX_SENTENCE_TOKENS)]
    return out


def _read_sentences(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield line.split()


class _SentenceFile:
    """The sentences of a file, re-read on every iteration (gensim's Phrases passes over them more than once)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[list[str]]:
        return _read_sentences(self.path)


def apply_phrases(path: Path, options: TokenizeOptions) -> Counter:
    """Join detected phrases (``heart_failure``) in the sentences file, in place; returns the new token counts."""
    # lazy: gensim (and the scipy it loads) adds ~1 s to start-up; only this path needs it
    from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases
    from gensim.parsing.preprocessing import STOPWORDS

    # Every English function word is a connector: a phrase may hold them inside (state_of_the_art) but never
    # start or end with one. gensim's own list has only 15, so "if_you", "have_heart" or "will_be" were joined:
    # they are as frequent together as "heart failure" and say nothing about the domain.
    model = Phrases(
        _SentenceFile(path),
        min_count=options.phrase_min_count,
        threshold=options.phrase_threshold,
        connector_words=frozenset(ENGLISH_CONNECTOR_WORDS | STOPWORDS),
    ).freeze()
    counts: Counter = Counter()
    phrased = path.with_name(path.name + ".phrased")
    with phrased.open("w", encoding="utf-8") as handle:
        for sentence in _read_sentences(path):
            joined = model[sentence]
            counts.update(joined)
            handle.write(" ".join(joined) + "\n")
    phrased.replace(path)
    return counts
