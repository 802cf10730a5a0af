"""The corpus's own language: which languages its text is in, with their shares, identified offline.

Method: the corpus's text is cut into passages (consecutive sentences of one document, about ``PASSAGE_CHARS``
characters each), a seeded uniform sample of at most ``SAMPLE`` passages is drawn in one pass over the sentence
file (reservoir sampling, Vitter 1985, Algorithm R), and each passage's language is identified by py3langid (a
maintained fork of langid.py: Lui and Baldwin 2012, "langid.py: An Off-the-shelf Language Identification Tool",
ACL System Demonstrations; a naive Bayes classifier over byte n-grams; 0.4.0's model, inside the wheel, knows 140
language labels; nothing is downloaded). A language's share is the share of the sampled tokens in passages
identified as it (tokens rather than characters: a Chinese word of two characters and a German word of ten count
alike, as in the corpus's token count); languages under ``MIN_SHARE`` are left out of the list (so the shares
listed may add up to less than 1).

What is identified is the stored sentences (the tokens, joined by spaces), so a corpus stored before EmbedLab
identified languages gets the same answer as one stored now. The tokens of scripts written without spaces
(Chinese, Japanese, Thai, ...) were split by a segmenter: the spaces between two such letters are taken out again
before identification, so the classifier sees the byte n-grams of the original writing.

Language names come from ``langcodes`` with its ``language_data`` (English names of ISO 639 codes); the general-
language reference of a language is wordfreq's word list for it (:func:`wordfreq_language`), where wordfreq has one.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import regex

from embedlab.corpus.segment import NO_SPACE_SCRIPTS

if TYPE_CHECKING:
    from embedlab.corpus.stored import Corpus

__all__ = [
    "ENGLISH",
    "MIN_SHARE",
    "MOSTLY",
    "CorpusLanguages",
    "corpus_languages",
    "identify_sentences",
    "identify_texts",
    "language_name",
    "reference_language",
    "wordfreq_language",
]

ENGLISH = "en"
MIN_SHARE = 0.05  # a language with less of the sampled text is not listed: stray quotes, names, misreadings
MOSTLY = 0.5  # a corpus is "mostly" in a language when more than half its text is
SAMPLE = 2_000  # passages identified: a share's standard error is about 1 point at most, in under a second
PASSAGE_CHARS = 300  # a few sentences: short strings are where byte n-gram identification errs most
SEED = 0
UNDETERMINED = "zxx"  # langid's label for text without linguistic content (numbers, code, tables)
# wordfreq's lists are matched to a language under another code only when it is the same language (Norwegian
# "no" -> Bokmål "nb", Serbian "sr" -> Serbo-Croatian "sh", Tagalog "tl" -> Filipino "fil"): at langcodes' usual
# distance of 25, Welsh or Irish would be matched to the English list.
_SAME_LANGUAGE_DISTANCE = 5

_NO_SPACE_CLASS = "".join(rf"\p{{Script={name}}}" for name in NO_SPACE_SCRIPTS)
_SEGMENTED_SPACE = regex.compile(rf"(?<=[{_NO_SPACE_CLASS}]) (?=[{_NO_SPACE_CLASS}])")
_LETTER = regex.compile(r"\p{L}")


@dataclass(frozen=True)
class CorpusLanguages:
    """The languages of a corpus's text.

    Attributes:
        shares: (ISO 639 code, share of the sampled tokens) for each language with at least ``MIN_SHARE``,
            largest first; empty when no passage could be identified.
        passages: how many passages were identified.
        method: what identified them, with its version (``py3langid 0.4.0``).
    """

    shares: tuple[tuple[str, float], ...]
    passages: int
    method: str

    @property
    def main(self) -> str | None:
        """The code of the language with the largest share, or None when none was identified."""
        return self.shares[0][0] if self.shares else None

    def share(self, code: str) -> float:
        """The share of ``code`` (0 when it is not listed)."""
        return dict(self.shares).get(code, 0.0)

    @property
    def mostly_english(self) -> bool | None:
        """Whether more than ``MOSTLY`` of the text is English; None when nothing was identified."""
        return self.share(ENGLISH) > MOSTLY if self.shares else None

    def describe(self) -> str:
        """``German 93%, English 6%``; ``not identified`` when nothing was."""
        if not self.shares:
            return "not identified"
        return ", ".join(f"{language_name(code)} {share:.0%}" for code, share in self.shares)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: main (code and name), shares (code, name, share), passages and method."""
        return {
            "main": self.main,
            "main_name": language_name(self.main) if self.main else None,
            "shares": [{"code": code, "name": language_name(code), "share": share} for code, share in self.shares],
            "passages": self.passages,
            "method": self.method,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CorpusLanguages:
        """Back from :func:`dataclasses.asdict` (as ``meta.json`` stores it)."""
        return cls(tuple((code, float(share)) for code, share in data["shares"]), data["passages"], data["method"])


@lru_cache(maxsize=1)
def _identifier() -> Any:
    # lazy: loading the model takes ~0.7 s; only processing a corpus and the first page that shows languages need it
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _method() -> str:
    return f"py3langid {version('py3langid')}"


@lru_cache(maxsize=256)
def language_name(code: str) -> str:
    """The English name of an ISO 639 code: ``de`` -> ``German``; the code itself where langcodes has no name."""
    import langcodes  # lazy: its name data is a few MB, read on the first name asked for

    try:
        return str(langcodes.Language.get(code).display_name())
    except (LookupError, ValueError, ImportError):
        return code


@lru_cache(maxsize=256)
def wordfreq_language(code: str) -> str | None:
    """wordfreq's code for the general frequencies of language ``code`` (``no`` -> ``nb``), or None when wordfreq
    has no word list for that language."""
    import langcodes  # lazy: see language_name
    from wordfreq import available_languages  # lazy: wordfreq is only read for hints and the verdict

    found = langcodes.closest_supported_match(code, sorted(available_languages()), max_distance=_SAME_LANGUAGE_DISTANCE)
    return str(found) if found else None


def _rejoined(text: str) -> str:
    """A passage as written: the segmenter's spaces between two letters of a script written without spaces out."""
    return _SEGMENTED_SPACE.sub("", text)


def _passages(documents: Iterable[Iterable[str]]) -> Iterator[str]:
    """Consecutive sentences of each document, joined, cut after ``PASSAGE_CHARS`` characters (a passage never
    spans two documents); passages without a letter are skipped."""
    for sentences in documents:
        parts: list[str] = []
        size = 0
        for sentence in sentences:
            parts.append(sentence)
            size += len(sentence) + 1
            if size >= PASSAGE_CHARS:
                yield " ".join(parts)
                parts, size = [], 0
        if parts:
            yield " ".join(parts)


def _sample(passages: Iterable[str], size: int, seed: int) -> list[str]:
    """A uniform sample of ``size`` passages in one pass (reservoir sampling, Algorithm R), in stream order."""
    rng = random.Random(seed)
    kept: list[tuple[int, str]] = []
    for index, passage in enumerate(passage for passage in passages if _LETTER.search(passage)):
        if len(kept) < size:
            kept.append((index, passage))
        else:
            slot = rng.randrange(index + 1)
            if slot < size:
                kept[slot] = (index, passage)
    return [passage for _, passage in sorted(kept)]


def identify_texts(documents: Iterable[Iterable[str]], sample: int = SAMPLE, seed: int = SEED) -> CorpusLanguages:
    """The languages of some documents, each given as its sentences (any text; tokens joined by spaces too).

    Args:
        documents: each document's sentences, in order.
        sample: how many passages to identify at most (a seeded uniform sample beyond that).
        seed: the sample's seed.

    Returns:
        The languages with at least ``MIN_SHARE`` of the sampled tokens, largest first.
    """
    identifier = _identifier()
    tokens: Counter[str] = Counter()
    picked = _sample(_passages(documents), sample, seed)
    for passage in picked:
        code, _confidence = identifier.classify(_rejoined(passage))
        tokens[code] += len(passage.split())
    total = sum(tokens.values())
    shares = sorted(
        (
            (code, count / total)
            for code, count in tokens.items()
            if code != UNDETERMINED and count / total >= MIN_SHARE
        ),
        key=lambda pair: (-pair[1], pair[0]),
    )
    return CorpusLanguages(tuple((code, round(share, 4)) for code, share in shares), len(picked), _method())


def _file_documents(path: Path, sentences_per_document: Sequence[int]) -> Iterator[Iterator[str]]:
    """The sentence file's lines grouped by document, read as a stream."""
    with path.open(encoding="utf-8") as handle:
        lines = (line.rstrip("\n") for line in handle)
        for count in sentences_per_document:
            yield (next(lines) for _ in range(count))


def identify_sentences(path: Path, sentences_per_document: Sequence[int]) -> CorpusLanguages:
    """The languages of a stored sentence file (one sentence a line, tokens joined by spaces), read once as a stream
    (memory stays at the sample's size whatever the corpus's)."""
    documents = _file_documents(path, sentences_per_document)
    return identify_texts(list(sentences) for sentences in documents)


@lru_cache(maxsize=64)
def _stored_languages(folder: Path) -> CorpusLanguages:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    return identify_sentences(folder / "sentences.txt", meta["sentences_per_document"])


def corpus_languages(corpus: Corpus) -> CorpusLanguages:
    """A stored corpus's languages: those identified when it was processed, or, for a corpus stored before EmbedLab
    identified languages, identified now from its sentence file (once per process: a corpus never changes)."""
    if corpus.stats.languages is not None:
        return corpus.stats.languages
    return _stored_languages(corpus.path)


def reference_language(corpus: Corpus) -> tuple[str | None, str]:
    """The wordfreq language to read "general language" in for this corpus, or None with the reason.

    Returns:
        (wordfreq code, "") when the corpus's main language has a wordfreq list; else (None, why), e.g. ``"the
        corpus's language, Welsh, has no general word frequencies in wordfreq"``.
    """
    found = corpus_languages(corpus)
    if found.main is None:
        return None, "the corpus's language could not be identified"
    code = wordfreq_language(found.main)
    if code is None:
        return None, f"the corpus's language, {language_name(found.main)}, has no general word frequencies in wordfreq"
    return code, ""
