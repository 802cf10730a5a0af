"""The baseline's language against the corpus's: all-MiniLM-L6-v2 is an English model (its model card says
``language: en``; it was trained on English sentence pairs, with an English word-piece vocabulary), so on a corpus
that is mostly in another language its neighbours, scores and coverage say how an English model reads that text.

:func:`baseline_language_note` is the one place that decides whether to say so and says it: the Compare, Evaluate
and Verdict pages, the verdict itself (and so ``verdict --json`` and the HTML report) all show its sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from embedlab.corpus.language import ENGLISH, CorpusLanguages, corpus_languages, language_name
from embedlab.spaces.baseline import model_path
from embedlab.spaces.labels import BASELINE_LABEL
from embedlab.spaces.spec import BASELINE, SpaceKind, SpaceSpec

if TYPE_CHECKING:
    from embedlab.corpus.stored import Corpus

__all__ = ["baseline_language", "baseline_language_note", "language_note"]

_CARD_LANGUAGE = re.compile(r"^language:\s*(?:\n\s*-\s*)?([A-Za-z-]+)", re.MULTILINE)


@lru_cache(maxsize=1)
def baseline_language() -> str:
    """The language of the bundled baseline model, as its model card (``README.md``'s front matter) states it."""
    card = model_path() / "README.md"
    found = _CARD_LANGUAGE.search(card.read_text(encoding="utf-8")) if card.exists() else None
    return found.group(1).lower() if found else ENGLISH


def _uses_baseline(specs: Iterable[str]) -> bool:
    for spec in specs:
        try:
            if SpaceSpec.parse(spec).kind is SpaceKind.BASELINE:  # the baseline, read in context or debiased too
                return True
        except ValueError:
            continue
    return False


def language_note(found: CorpusLanguages, model_language: str = ENGLISH) -> str | None:
    """The sentence for a corpus with these languages read by the baseline, or None when most of its text is in
    the model's language (or nothing was identified)."""
    if not found.shares or found.share(model_language) > 0.5:
        return None
    model = language_name(model_language)
    main = found.main
    if main == model_language:  # the largest share, yet under half of the text
        where = f"less than half of this corpus is {model} ({found.describe()})"
    else:
        where = f"this corpus is mostly {language_name(main or '')} ({found.describe()})"
    return (
        f"The {BASELINE_LABEL} (all-MiniLM-L6-v2) is an {model} model and {where}: its neighbours, scores and "
        f"coverage here show how an {model} model reads this text, not how a model made for its language would; "
        "weigh any recommendation of it with that in mind."
    )


def baseline_language_note(corpus: Corpus, specs: Iterable[str] = (BASELINE,)) -> str | None:
    """Whether to warn that the baseline is an English model reading a corpus mostly in another language.

    Args:
        corpus: the corpus the spaces are read on (its languages: :func:`embedlab.corpus.corpus_languages`).
        specs: the spaces on show; the note is only for a selection that holds the baseline (or a copy of it).

    Returns:
        The sentence to show, or None: the baseline is not among ``specs``, or most of the corpus is English.
    """
    if not _uses_baseline(specs):
        return None
    return language_note(corpus_languages(corpus), baseline_language())
