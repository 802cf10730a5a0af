"""The Compare view's state and the Verdict's, and their URL query parameters: validated both ways, whitelisted."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from embedlab.errors import EmbedLabError
from embedlab.spaces.spec import BASELINE, validate_spec

TABS = ("neighbours", "changed", "coverage", "map")


METRICS = ("jaccard", "rank_overlap")


COLOURS = ("none", "change", "frequency")


WORD_FILTERS = ("content", "all")  # "What changed" lists content words only, or every scored word


_CHOICES = {"tab": TABS, "metric": METRICS, "colour": COLOURS, "words": WORD_FILTERS}


_CORPUS_ID = re.compile(r"c[0-9a-f]{12}")


_BAND = re.compile(r"[0-9][0-9,]*(?:–[0-9][0-9,]*|\+)?")


_MAX_WORD_LENGTH = 100


MIN_MAP_WORDS, MAX_MAP_WORDS = 100, 200_000  # the most analysis.maps fits (maps.MAX_MAP_WORDS; a test holds them equal)


MIN_SCORED_WORDS, MAX_SCORED_WORDS = 100, 50_000


_RANGES = {
    "k": (1, 100),
    "n": (MIN_MAP_WORDS, MAX_MAP_WORDS),
    "m": (MIN_SCORED_WORDS, MAX_SCORED_WORDS),
    "seed": (0, 2**31 - 1),
    "moves": (0, 1),
    "beyond": (0, 1),
    "lo": (0.0, 1.0),
    "hi": (0.0, 1.0),
}


@dataclass(frozen=True)
class ViewState:
    """Everything needed to redraw a Compare view; each field is one URL parameter."""

    corpus: str = ""
    a: str = ""
    b: str = BASELINE
    word: str = ""
    k: int = 10
    tab: str = "neighbours"
    m: int = 20_000  # words scored on "What changed" (a frequency-stratified sample past that)
    metric: str = "jaccard"  # the change score shown: jaccard or rank_overlap
    band: str = ""  # frequency band filter on "What changed"; "" = all
    lo: float = 0.0  # score range filter on "What changed"
    hi: float = 1.0
    n: int = 2000  # words on the map
    seed: int = 42  # of the map's and the change table's samples
    colour: str = "none"  # map colouring: none, change, frequency
    moves: int = 0  # 1: draw how far the highlighted words moved between the maps
    words: str = "content"  # "What changed" hides stopwords, numbers and punctuation; "all" shows them
    beyond: int = 0  # 1: "What changed" lists only the changes beyond seed noise (when the floor is known)
    find: str = ""  # the word searched for on the maps: ringed in both, both zoomed around it; "" = none

    def __post_init__(self) -> None:
        for name in ("corpus", "a", "b", "word", "band", "find"):  # a URL keeps no surrounding spaces, nor do we
            object.__setattr__(self, name, getattr(self, name).strip())
        for name, allowed in _CHOICES.items():
            if getattr(self, name) not in allowed:
                raise EmbedLabError(f"{name} must be one of {', '.join(allowed)}, got '{getattr(self, name)}'")
        for name, (low, high) in _RANGES.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise EmbedLabError(f"{name} must be from {low} to {high}, got {value}")
        if self.lo > self.hi:
            raise EmbedLabError(f"lo must not exceed hi, got lo={self.lo} and hi={self.hi}")
        if self.corpus and not _CORPUS_ID.fullmatch(self.corpus):
            raise EmbedLabError(f"'{self.corpus}' is not a corpus id (like c0123456789ab)")
        if self.band and not _BAND.fullmatch(self.band):
            raise EmbedLabError(f"'{self.band}' is not a frequency band (like 10–19 or 1,000+)")
        for name in ("a", "b"):
            if getattr(self, name):
                validate_spec(getattr(self, name))
        for name in ("word", "find"):
            value = getattr(self, name)
            if len(value) > _MAX_WORD_LENGTH or any(ch in value for ch in "\n\r\t"):
                raise EmbedLabError(f"{name} must be one line of at most {_MAX_WORD_LENGTH} characters")


_TYPES: dict[str, type] = {f.name: {"int": int, "float": float, "str": str}[str(f.type)] for f in fields(ViewState)}


_NAMES = tuple(_TYPES)


def to_query(state: ViewState) -> dict[str, str]:
    """All fields as strings, so a link keeps its meaning even if defaults change."""
    return {name: str(getattr(state, name)) for name in _NAMES}


def _single(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else ""
    return str(value)


def _parse(name: str, raw: str) -> Any:
    kind = _TYPES[name]
    if kind is int and not re.fullmatch(r"-?\d+", raw):
        raise EmbedLabError("not a whole number")
    if kind is float:
        try:
            value = float(raw)
        except ValueError:
            raise EmbedLabError("not a number") from None
        if value != value:  # NaN passes no range check
            raise EmbedLabError("not a number")
        return value
    return kind(raw)


def from_query(params: Mapping[str, Any]) -> tuple[ViewState, list[str]]:
    """Parse URL query parameters; each bad or unknown one is dropped with a message for the user.

    Returns:
        The state (defaults where a parameter was missing or bad) and the messages.
    """
    problems: list[str] = []
    unknown = sorted(set(params) - set(_NAMES))
    if unknown:
        problems.append(f"Ignored unknown link parameters: {', '.join(unknown)}.")
    state = ViewState()
    for name in _NAMES:
        if name not in params:
            continue
        raw = _single(params[name]).strip()
        try:
            value: Any = _parse(name, raw)
            state = replace(state, **{name: value})
        except ValueError as error:
            shown = raw if len(raw) <= 40 else raw[:40] + "…"
            reason = error
            problems.append(f"Link parameter {name}='{shown}' was ignored: {reason}.")
    return state, problems


def check_references(state: ViewState, spaces: Sequence[str], corpora: Sequence[str]) -> tuple[ViewState, list[str]]:
    """Drop references to spaces or corpora this server does not have, saying which."""
    problems = []
    if state.corpus and state.corpus not in corpora:
        problems.append(f"The link's corpus {state.corpus} is not on this server.")
        state = replace(state, corpus="")
    for name in ("a", "b"):
        spec = getattr(state, name)
        if spec and spec not in spaces:  # never open an arbitrary server path named in a link
            problems.append(f"The link's space {name}={spec} is not on this server (deleted, or another server's).")
            state = replace(state, a="") if name == "a" else replace(state, b="")
    return state, problems


def compare_word_query(corpus: str, a: str, b: str, word: str) -> dict[str, str]:
    """The query of a Compare link that opens ``word``'s neighbour lists in ``a`` and ``b`` (the Neighbours view),
    everything else at its default: what a verdict's example word links to."""
    return to_query(ViewState(corpus=corpus, a=a, b=b, word=word, tab="neighbours"))


VERDICT_PARAMS = ("corpus", "space", "baseline")  # ``space`` repeats, once per candidate


@dataclass(frozen=True)
class VerdictView:
    """Everything needed to reopen a verdict; each field is a URL parameter (``space`` once per candidate).

    Attributes:
        corpus: the corpus id ("" for none chosen).
        spaces: the candidates' specs, in order, each once; never the baseline.
        baseline: the spec they are measured against.
    """

    corpus: str = ""
    spaces: tuple[str, ...] = ()
    baseline: str = BASELINE

    def __post_init__(self) -> None:
        corpus = self.corpus.strip()
        if corpus and not _CORPUS_ID.fullmatch(corpus):
            raise EmbedLabError(f"'{corpus}' is not a corpus id (like c0123456789ab)")
        baseline = validate_spec(self.baseline)
        specs = tuple(dict.fromkeys(validate_spec(spec) for spec in self.spaces))
        object.__setattr__(self, "corpus", corpus)
        object.__setattr__(self, "baseline", baseline)
        object.__setattr__(self, "spaces", tuple(spec for spec in specs if spec != baseline))


def verdict_query(view: VerdictView) -> dict[str, str | list[str]]:
    """The verdict's URL query: ``corpus``, ``space`` (a list: one parameter per candidate), ``baseline``."""
    return {"corpus": view.corpus, "space": list(view.spaces), "baseline": view.baseline}


def _shown(raw: str) -> str:
    return raw if len(raw) <= 60 else raw[:60] + "…"


def verdict_from_query(
    params: Mapping[str, Sequence[str]], spaces: Sequence[str], corpora: Sequence[str]
) -> tuple[VerdictView, list[str]]:
    """Read a verdict link, keeping only what this server has; each parameter dropped is said why.

    Args:
        params: parameter -> its values (every value of a repeated one, as ``st.query_params.get_all`` gives).
        spaces: the specs this server can open; a link never opens anything else (no server path by link).
        corpora: the corpus ids this server has.

    Returns:
        The view (the default baseline, no corpus or fewer candidates where the link's were unusable) and the
        messages for the user.
    """
    problems: list[str] = []
    unknown = sorted(set(params) - set(VERDICT_PARAMS))
    if unknown:
        problems.append(f"Ignored unknown link parameters: {', '.join(unknown)}.")
    corpus = _single(list(params.get("corpus", []))).strip()
    if corpus and not _CORPUS_ID.fullmatch(corpus):
        problems.append(f"Link parameter corpus='{_shown(corpus)}' was ignored: it is not a corpus id.")
        corpus = ""
    elif corpus and corpus not in corpora:
        problems.append(f"The link's corpus {corpus} is not on this server (deleted, or another server's).")
        corpus = ""

    def known(name: str, raw: str) -> str:
        raw = raw.strip()
        try:
            spec = validate_spec(raw)
        except ValueError as error:
            problems.append(f"Link parameter {name}='{_shown(raw)}' was ignored: {error}.")
            return ""
        if spec not in spaces:
            problems.append(f"The link's space {_shown(spec)} is not on this server (deleted, or another server's).")
            return ""
        return spec

    baseline = BASELINE
    if "baseline" in params and _single(list(params["baseline"])).strip():
        baseline = known("baseline", _single(list(params["baseline"]))) or BASELINE
    candidates = [found for raw in params.get("space", []) if raw.strip() and (found := known("space", raw))]
    return VerdictView(corpus, tuple(candidates), baseline), problems
