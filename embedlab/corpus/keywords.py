"""Words typical of a corpus: frequent in it and rare in the general language of its text (general German for a
German corpus, from wordfreq), for hints and examples."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from embedlab.corpus.language import corpus_languages, language_name, reference_language, wordfreq_language

if TYPE_CHECKING:
    from embedlab.corpus.stored import Corpus

CANDIDATES = 3_000  # only the corpus's most frequent words compete: a hint must be common enough to compare
MIN_COUNT = 5
SMOOTHING = 10.0  # Kilgarriff's k, per million words: 10 favours words frequent in the corpus over rare jargon
FUNCTION_WORDS = 100  # a language's most frequent words in wordfreq: its articles, pronouns, auxiliaries, particles
MIN_LENGTH = 3
# Chinese and Japanese write many content words in two characters ("設定", "方法")
SHORT_WORD_LANGUAGES = {"ja": 2, "zh": 2}


@dataclass(frozen=True)
class TypicalWords:
    """A corpus's typical words and the general language they were set against.

    Attributes:
        words: most distinctive first; empty when no reference was found (see ``reason``).
        language: the wordfreq code of the general-language reference, or None.
        reason: why there are no typical words when ``language`` is None; else "".
    """

    words: list[str]
    language: str | None
    reason: str = ""

    @property
    def reference(self) -> str:
        """``general German``: what the words are rare in (empty when there is no reference)."""
        return f"general {language_name(self.language)}" if self.language else ""


def typical_words(corpus: Corpus, n: int = 12) -> TypicalWords:
    """The corpus's most distinctive words (:func:`distinctive_words`) against the general frequencies of the
    corpus's own main language (:func:`embedlab.corpus.language.corpus_languages`), or none, with the reason, when
    wordfreq has no list for that language (an English reference would call every word of another language
    typical)."""
    language, reason = reference_language(corpus)
    if language is None:
        return TypicalWords([], None, f"no typical words: {reason}")
    main = corpus_languages(corpus).main
    return TypicalWords(distinctive_words(corpus.counts, n, language, min_length=_min_length(main)), language)


def _min_length(language: str | None) -> int:
    return SHORT_WORD_LANGUAGES.get(language or "", MIN_LENGTH)


def function_words(languages: Iterable[str]) -> frozenset[str]:
    """The function words of some languages (wordfreq codes, or codes :func:`wordfreq_language` maps): gensim's
    English stop words and each language's ``FUNCTION_WORDS`` most frequent words in wordfreq (languages wordfreq
    lacks add none). In a German manual: "die", "der", "und", "ist" ... and "the", "of"."""
    # lazy: gensim's parsing module and wordfreq's lists are read only for hints and the verdict
    from gensim.parsing.preprocessing import STOPWORDS
    from wordfreq import top_n_list

    found = set(STOPWORDS)
    for code in languages:
        listed = wordfreq_language(code)
        if listed is not None:
            found.update(top_n_list(listed, FUNCTION_WORDS))
    return frozenset(found)


def distinctive_words(
    counts: Mapping[str, int], n: int = 12, language: str = "en", min_length: int = MIN_LENGTH
) -> list[str]:
    """The corpus's most distinctive content words, most distinctive first.

    Each of the corpus's ``CANDIDATES`` most frequent words (seen at least ``MIN_COUNT`` times, alphabetic,
    ``min_length`` letters or more, not a function word: neither a gensim English stop word nor one of the
    ``FUNCTION_WORDS`` most frequent words of ``language`` in wordfreq) is scored by Kilgarriff's "simple maths"
    keyness (Kilgarriff 2009, "Simple maths for keywords"): (per-million frequency in the corpus + k) /
    (per-million frequency in general ``language`` + k), with k = ``SMOOTHING`` and the general frequencies from the
    wordfreq package (Speer, wordfreq 3). So "matrix" beats "the" in a maths corpus, a word general English lacks
    still needs to be frequent here, and in a German corpus "die" is general German, not a typical word.

    Args:
        counts: word -> count in the corpus (any order).
        n: how many words to return (fewer if the corpus has fewer candidates).
        language: the wordfreq code of the reference frequencies: the corpus's own language (see
            :func:`typical_words`, which finds it).
        min_length: the fewest letters a word needs.

    Returns:
        Up to ``n`` words.
    """
    from wordfreq import get_frequency_dict  # lazy: wordfreq reads a 300k-word frequency list; only hints need it

    total = sum(counts.values())
    if not total:
        return []
    general = get_frequency_dict(language)
    # English stop words too in any language: a German manual quotes English commands and messages
    stop = function_words([language])
    frequent = sorted(counts.items(), key=lambda item: -item[1])[:CANDIDATES]
    scored = [
        # wordfreq's words are casefolded: "straße" is listed as "strasse"
        ((count / total * 1e6 + SMOOTHING) / (general.get(word.casefold(), 0.0) * 1e6 + SMOOTHING), word)
        for word, count in frequent
        if count >= MIN_COUNT
        and len(word) >= min_length
        and word.isalpha()
        and word not in stop
        and word.casefold() not in stop
    ]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [word for _, word in scored[:n]]
