"""Word segmentation for scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer,
Burmese), by ICU's word-break iterator.

ICU implements the word boundaries of Unicode UAX #29 and, for these scripts, adds its dictionaries (Chinese and
Japanese: one CJ dictionary; Thai, Lao, Khmer and Burmese: one each), so one library finds the words of all six.
The bindings are ``icu4py`` (PyPI wheels that ship ICU itself: nothing to install from the system).

Only runs of these scripts are handed to ICU: the corpus tokeniser (``embedlab.corpus.tokens``) finds the
candidate tokens first, so technical terms, numbers and the words of every spaced script are split the same way
whatever the corpus holds.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.metadata import version
from typing import Any

import regex

__all__ = ["NO_SPACE_SCRIPTS", "needs_segmenting", "scripts_in", "segment", "segmenter_name"]

# Unicode script names (UAX #24) of the scripts written without spaces between words, as the stats name them.
NO_SPACE_SCRIPTS = ("Han", "Hiragana", "Katakana", "Thai", "Lao", "Khmer", "Myanmar")

# The Unicode blocks these scripts' letters live in (a superset, checked against the exact classes below by
# tests/test_scripts.py): stdlib ``re`` finds one in a document 4x faster than ``regex`` finds a script property,
# so most documents in other scripts are passed over at that cost.
_BLOCKS = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u19e0-\u19ff\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029"
    "\u3038-\u303b\u3040-\u30ff\u31c0-\u31ff\u3200-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua9e0-\ua9ff"
    "\uaa60-\uaa7f\uf900-\ufaff\uff66-\uff9f\U000116d0-\U000116ff\U00016fe0-\U00016fff"
    "\U0001aff0-\U0001b16f\U0001f200\U00020000-\U0003ffff]"
)
_NO_SPACE = regex.compile("[" + "".join(rf"\p{{Script={name}}}" for name in NO_SPACE_SCRIPTS) + "]")
_BY_SCRIPT = {name: regex.compile(rf"\p{{Script={name}}}") for name in NO_SPACE_SCRIPTS}
_WORDLIKE = regex.compile(r"[\p{L}\p{N}]")  # ICU's segments also hold spaces and punctuation: those are dropped


def needs_segmenting(text: str) -> bool:
    """Whether ``text`` holds a letter of a script written without spaces (see :data:`NO_SPACE_SCRIPTS`)."""
    return _BLOCKS.search(text) is not None and _NO_SPACE.search(text) is not None


def scripts_in(text: str) -> list[str]:
    """The scripts of :data:`NO_SPACE_SCRIPTS` that ``text`` uses, in that order (``[]`` for English)."""
    if not needs_segmenting(text):
        return []
    return [name for name, pattern in _BY_SCRIPT.items() if pattern.search(text)]


@lru_cache(maxsize=1)
def _breaker_class() -> Any:
    # lazy: icu4py maps ICU's 30 MB data library; only corpora in these scripts need it
    from icu4py.breakers import WordBreaker

    return WordBreaker


def segment(text: str) -> list[str]:
    """The words of ``text`` by ICU's word-break rules (UAX #29 plus ICU's dictionaries), in order.

    Spaces and punctuation between words are dropped: every piece returned holds a letter or a digit. Text in any
    script is accepted (Latin stays split at spaces and punctuation as UAX #29 says), but the corpus tokeniser
    sends only tokens for which :func:`needs_segmenting` is true.

    Example: ``segment("我爱北京天安门")`` gives ``["我", "爱", "北京", "天安门"]``.
    """
    return [piece for piece in _breaker_class()(text, "und") if _WORDLIKE.search(piece)]


@lru_cache(maxsize=1)
def segmenter_name() -> str:
    """What segments these scripts, with versions, as the corpus stats name it, e.g.
    ``"ICU 78.3 word break (icu4py 1.2.0)"``."""
    from icu4py._version import icu_version  # lazy: see _breaker_class

    return f"ICU {icu_version} word break (icu4py {version('icu4py')})"
