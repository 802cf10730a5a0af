"""Words typical of a corpus: frequent in it and rare in general English, for hints and examples."""

from __future__ import annotations

from collections.abc import Mapping

CANDIDATES = 3_000  # only the corpus's most frequent words compete: a hint must be common enough to compare
MIN_COUNT = 5
SMOOTHING = 10.0  # Kilgarriff's k, per million words: 10 favours words frequent in the corpus over rare jargon


def distinctive_words(counts: Mapping[str, int], n: int = 12, language: str = "en") -> list[str]:
    """The corpus's most distinctive content words, most distinctive first.

    Each of the corpus's ``CANDIDATES`` most frequent words (seen at least ``MIN_COUNT`` times, alphabetic, three
    letters or more, not a gensim stop word) is scored by Kilgarriff's "simple maths" keyness (Kilgarriff 2009,
    "Simple maths for keywords"): (per-million frequency in the corpus + k) / (per-million frequency in general
    ``language`` + k), with k = ``SMOOTHING`` and the general frequencies from the wordfreq package (Speer, wordfreq
    3). So "matrix" beats "the" in a maths corpus, and a word general English lacks still needs to be frequent here.

    Args:
        counts: word -> count in the corpus (any order).
        n: how many words to return (fewer if the corpus has fewer candidates).
        language: the wordfreq language code of the reference frequencies.

    Returns:
        Up to ``n`` words.
    """
    # lazy: wordfreq reads a 300k-word frequency list; only hints need it
    from gensim.parsing.preprocessing import STOPWORDS
    from wordfreq import get_frequency_dict

    total = sum(counts.values())
    if not total:
        return []
    general = get_frequency_dict(language)
    frequent = sorted(counts.items(), key=lambda item: -item[1])[:CANDIDATES]
    scored = [
        ((count / total * 1e6 + SMOOTHING) / (general.get(word, 0.0) * 1e6 + SMOOTHING), word)
        for word, count in frequent
        if count >= MIN_COUNT and len(word) >= 3 and word.isalpha() and word not in STOPWORDS
    ]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [word for _, word in scored[:n]]
