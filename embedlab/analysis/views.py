"""What each page's link holds: one frozen record per page (Compare, Evaluate, Verdict), validated on creation, and
the one codec between a record and URL query parameters.

The codec reads the record's fields and their types, so a new field needs no parsing code:

- ``str``, ``int`` and ``float`` fields are one parameter each, named as the field;
- a ``tuple[str, ...]`` field is one parameter per item (``space=a&space=b``), named by the field's ``param``
  metadata; ``joined`` names the parameter an older link held its items in, comma-joined, which is still read;
- ``refers`` metadata says what a value names (a ``corpus``, a ``space``, a ``weat`` word-set list): a link keeps it
  only when this server has it (never opens a server path or a run it did not list).

Reading never raises: each unknown, malformed or missing value is dropped with a message for the user and the
record keeps its default there. The records live in the analysis stage so that the verdict (a stage above) reads
the Compare view's defaults (``CompareView().k``, ``.seed``, ``.m``) from the same place the page's link does.

    >>> view = CompareView(word="matrix", k=5)
    >>> to_query(view)["k"], from_query(CompareView, to_query(view)) == (view, [])
    ('5', True)
    >>> from_query(EvaluateView, {"spaces": "baseline,run-20260101-120000-abc123"})[0].spaces
    ('baseline', 'run-20260101-120000-abc123')
"""

from __future__ import annotations

import re
import typing
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

from embedlab.analysis.comparison import DEFAULT_MAX_WORDS
from embedlab.analysis.maps import MAX_MAP_WORDS
from embedlab.errors import EmbedLabError
from embedlab.spaces.spec import BASELINE, validate_spec

__all__ = [
    "COLOURS",
    "METRICS",
    "RANGES",
    "TABS",
    "WORD_FILTERS",
    "CompareView",
    "EvaluateView",
    "VerdictView",
    "check_references",
    "compare_word_query",
    "fields_given",
    "from_query",
    "refers",
    "to_query",
]

TABS = ("neighbours", "changed", "coverage", "map")
METRICS = ("jaccard", "rank_overlap")
COLOURS = ("none", "change", "frequency")
WORD_FILTERS = ("content", "all")  # "What changed" lists content words only, or every scored word

MIN_MAP_WORDS = 100
MIN_SCORED_WORDS, MAX_SCORED_WORDS = 100, 50_000

_CORPUS_ID = re.compile(r"c[0-9a-f]{12}")
_BAND = re.compile(r"[0-9][0-9,]*(?:–[0-9][0-9,]*|\+)?")
_MAX_LINE = 100  # characters of a word or a word-set name a link may carry
_SHOWN = 120  # characters of a link's value quoted back in a message

_CHOICES = {"tab": TABS, "metric": METRICS, "colour": COLOURS, "words": WORD_FILTERS}
RANGES = {  # each number a Compare link holds, (low, high): the page's widgets take their bounds here
    "k": (1, 100),
    "n": (MIN_MAP_WORDS, MAX_MAP_WORDS),
    "m": (MIN_SCORED_WORDS, MAX_SCORED_WORDS),
    "seed": (0, 2**31 - 1),
    "moves": (0, 1),
    "beyond": (0, 1),
    "lo": (0.0, 1.0),
    "hi": (0.0, 1.0),
}

_CORPUS = {"refers": "corpus"}
_SPACE = {"refers": "space"}

_MISSING = {  # what a message says of a value this server does not have, by what it refers to
    "corpus": "The link's corpus {} is not on this server (deleted, or another server's).",
    "space": "The link's space {} is not on this server (deleted, or another server's).",
    "weat": "The link's WEAT word sets '{}' are not known here.",
}


def _check_corpus(corpus: str) -> None:
    if corpus and not _CORPUS_ID.fullmatch(corpus):
        raise EmbedLabError(f"'{corpus}' is not a corpus id (like c0123456789ab)")


def _check_line(name: str, value: str) -> None:
    if len(value) > _MAX_LINE or any(ch in value for ch in "\n\r\t"):
        raise EmbedLabError(f"{name} must be one line of at most {_MAX_LINE} characters")


def _strip(view: Any, *names: str) -> None:
    for name in names:  # a URL keeps no surrounding spaces, nor does a view
        object.__setattr__(view, name, getattr(view, name).strip())


@dataclass(frozen=True)
class CompareView:
    """Everything needed to redraw a Compare view; each field is one URL parameter. Its defaults are the Compare
    page's, and what the verdict reads to name the same words the page does.

    Raises:
        EmbedLabError: on a value out of its range or choices, a malformed corpus id, band or space spec, or a
            word longer than one line of 100 characters.
    """

    corpus: str = field(default="", metadata=_CORPUS)
    a: str = field(default="", metadata=_SPACE)
    b: str = field(default=BASELINE, metadata=_SPACE)
    word: str = ""
    k: int = 10  # neighbours per word: the lists, Jaccard@k and the changes
    tab: str = "neighbours"
    m: int = DEFAULT_MAX_WORDS  # words scored on "What changed" (a frequency-stratified sample past that)
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
        _strip(self, "corpus", "a", "b", "word", "band", "find")
        for name, allowed in _CHOICES.items():
            if getattr(self, name) not in allowed:
                raise EmbedLabError(f"{name} must be one of {', '.join(allowed)}, got '{getattr(self, name)}'")
        for name, (low, high) in RANGES.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise EmbedLabError(f"{name} must be from {low} to {high}, got {value}")
        if self.lo > self.hi:
            raise EmbedLabError(f"lo must not exceed hi, got lo={self.lo} and hi={self.hi}")
        _check_corpus(self.corpus)
        if self.band and not _BAND.fullmatch(self.band):
            raise EmbedLabError(f"'{self.band}' is not a frequency band (like 10–19 or 1,000+)")
        for name in ("a", "b"):
            if getattr(self, name):
                validate_spec(getattr(self, name))
        for name in ("word", "find"):
            _check_line(name, getattr(self, name))


@dataclass(frozen=True)
class EvaluateView:
    """Everything needed to reopen an evaluation: the corpus, the spaces scored (``space`` once each; links before
    this record joined them with commas in ``spaces``, still read) and the WEAT word-set list.

    Raises:
        EmbedLabError: on a malformed corpus id or space spec, or a word-set name longer than one line.
    """

    corpus: str = field(default="", metadata=_CORPUS)
    spaces: tuple[str, ...] = field(default=(), metadata={**_SPACE, "param": "space", "joined": "spaces"})
    weat: str = field(default="", metadata={"refers": "weat"})

    def __post_init__(self) -> None:
        _strip(self, "corpus", "weat")
        _check_corpus(self.corpus)
        object.__setattr__(self, "spaces", tuple(dict.fromkeys(validate_spec(spec) for spec in self.spaces)))
        _check_line("weat", self.weat)


@dataclass(frozen=True)
class VerdictView:
    """Everything needed to reopen a verdict; each field is a URL parameter (``space`` once per candidate).

    Attributes:
        corpus: the corpus id ("" for none chosen).
        spaces: the candidates' specs, in order, each once; never the baseline.
        baseline: the spec they are measured against ("" only when a link's was dropped and the default baseline
            is not on this server either: the page then picks one).

    Raises:
        EmbedLabError: on a malformed corpus id or space spec.
    """

    corpus: str = field(default="", metadata=_CORPUS)
    spaces: tuple[str, ...] = field(default=(), metadata={**_SPACE, "param": "space"})
    baseline: str = field(default=BASELINE, metadata=_SPACE)

    def __post_init__(self) -> None:
        _strip(self, "corpus", "baseline")
        _check_corpus(self.corpus)
        baseline = validate_spec(self.baseline) if self.baseline else ""
        specs = dict.fromkeys(validate_spec(spec) for spec in self.spaces)
        object.__setattr__(self, "baseline", baseline)
        object.__setattr__(self, "spaces", tuple(spec for spec in specs if spec != baseline))


View = TypeVar("View", CompareView, EvaluateView, VerdictView)


def to_query(view: CompareView | EvaluateView | VerdictView) -> dict[str, str | list[str]]:
    """The view as URL query parameters: every field, as text (a link keeps its meaning if defaults change), a
    tuple field as a list (one parameter per item; ``urlencode(..., doseq=True)`` or ``st.query_params``)."""
    query: dict[str, str | list[str]] = {}
    for spec in _fields(type(view)):
        value = getattr(view, spec.name)
        query[spec.param] = list(value) if spec.items else str(value)
    return query


def from_query(
    kind: type[View], params: Mapping[str, Any], known: Mapping[str, Collection[str]] | None = None
) -> tuple[View, list[str]]:
    """Read a link's query parameters into a view; each unknown, malformed or (with ``known``) missing value is
    dropped with a message for the user, and the view keeps its default there. Never raises.

    Args:
        kind: the view record (``CompareView``, ``EvaluateView``, ``VerdictView``).
        params: parameter -> its value, or its values (a list, as ``st.query_params.get_all`` gives; a
            one-value field takes the last).
        known: what this server has, by what a field refers to (``"corpus"``, ``"space"``, ``"weat"``): a
            value not listed is dropped (see :func:`check_references`). Kinds left out are not checked.

    Returns:
        The view and the messages: one-value fields' first, in the view's order, then the items'.
    """
    problems: list[str] = []
    accepted = {name for spec in _fields(kind) for name in (spec.param, spec.joined) if name}
    unknown = sorted(set(params) - accepted)
    if unknown:
        problems.append(f"Ignored unknown link parameters: {', '.join(unknown)}.")
    view = kind()
    for spec in sorted(_fields(kind), key=lambda spec: spec.items):  # items last: a view may check them against
        if spec.items:  # its one-value fields (a verdict's candidates are never its baseline)
            view = _read_items(view, spec, params, known, problems)
        elif spec.param in params:
            raw = _last(params[spec.param]).strip()
            try:
                view = replace(view, **{spec.name: _parse(spec.type, raw)})
            except ValueError as error:
                problems.append(f"Link parameter {spec.param}='{_shown(raw)}' was ignored: {error}.")
                continue
            view = _keep_known(view, spec, known, problems)
    return view, problems


def check_references(view: View, known: Mapping[str, Collection[str]]) -> tuple[View, list[str]]:
    """Drop the values that name a corpus, space or word-set list this server does not have, saying which: a link
    never opens anything the server did not list (no server path by link).

    A dropped one-value field takes its default where the server has that (else ""); a dropped item leaves its
    tuple.

    Args:
        view: a view record.
        known: reference kind (``"corpus"``, ``"space"``, ``"weat"``) -> the values this server has; kinds left
            out are not checked.
    """
    problems: list[str] = []
    for spec in _fields(type(view)):
        view = _keep_known(view, spec, known, problems)
    return view, problems


def fields_given(kind: type[View], params: Collection[str]) -> list[str]:
    """The names of ``kind``'s fields that parameters ``params`` give (by their own parameter or an older one), in
    the record's order: which of a page's widgets a link sets."""
    return [spec.name for spec in _fields(kind) if spec.param in params or (spec.joined and spec.joined in params)]


def refers(kind: type[View], name: str) -> str:
    """What field ``name`` of ``kind`` names (``"corpus"``, ``"space"``, ``"weat"``), or "" for a plain value."""
    return next(spec.refers for spec in _fields(kind) if spec.name == name)


def compare_word_query(corpus: str, a: str, b: str, word: str) -> dict[str, str | list[str]]:
    """The query of a Compare link that opens ``word``'s neighbour lists in ``a`` and ``b`` (the Neighbours view),
    everything else at its default: what a verdict's example word links to."""
    return to_query(CompareView(corpus=corpus, a=a, b=b, word=word, tab="neighbours"))


@dataclass(frozen=True)
class _Field:
    name: str
    type: type  # of the value, or of each item of a tuple field
    items: bool  # a tuple field: one parameter per item
    param: str  # the URL parameter
    joined: str  # an older link's parameter with the items comma-joined; "" = none
    refers: str  # "corpus", "space", "weat" or ""


_FIELDS: dict[type, tuple[_Field, ...]] = {}


def _fields(kind: type) -> tuple[_Field, ...]:
    if kind not in _FIELDS:
        _FIELDS[kind] = _read_fields(kind)
    return _FIELDS[kind]


def _read_fields(kind: type) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(kind)
    found = []
    for item in fields(kind):
        hint = hints[item.name]
        items = typing.get_origin(hint) is tuple
        value_type = typing.get_args(hint)[0] if items else hint
        if value_type not in (str, int, float):
            raise TypeError(f"{kind.__name__}.{item.name}: a view field is str, int, float or tuple[str, ...]")
        meta = item.metadata
        found.append(
            _Field(
                item.name,
                value_type,
                items,
                meta.get("param", item.name),
                meta.get("joined", ""),
                meta.get("refers", ""),
            )
        )
    return tuple(found)


def _last(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else ""
    return str(value)


def _shown(raw: str) -> str:
    return raw if len(raw) <= _SHOWN else raw[:_SHOWN] + "…"


def _parse(kind: type, raw: str) -> Any:
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


def _read_items(
    view: View,
    spec: _Field,
    params: Mapping[str, Any],
    known: Mapping[str, Collection[str]] | None,
    problems: list[str],
) -> View:
    if spec.param in params:
        raw = params[spec.param]
        values, param = ([raw] if isinstance(raw, str) else [str(v) for v in raw]), spec.param
    elif spec.joined and spec.joined in params:
        values, param = _last(params[spec.joined]).split(","), spec.joined
    else:
        return view
    kept: tuple[str, ...] = ()
    for value in (raw.strip() for raw in values):
        if not value:
            continue
        try:
            view = replace(view, **{spec.name: (*kept, value)})  # type: ignore[arg-type]
        except ValueError as error:
            problems.append(f"Link parameter {param}='{_shown(value)}' was ignored: {error}.")
            continue
        if known is not None and spec.refers in known and value not in known[spec.refers]:
            problems.append(_MISSING[spec.refers].format(_shown(value)))
            view = replace(view, **{spec.name: kept})  # type: ignore[arg-type]
        kept = getattr(view, spec.name)
    return view


def _keep_known(view: View, spec: _Field, known: Mapping[str, Collection[str]] | None, problems: list[str]) -> View:
    if known is None or spec.refers not in known:
        return view
    have = known[spec.refers]
    value = getattr(view, spec.name)
    if spec.items:
        missing = [item for item in value if item not in have]
        problems.extend(_MISSING[spec.refers].format(_shown(item)) for item in missing)
        return replace(view, **{spec.name: tuple(item for item in value if item in have)})  # type: ignore[arg-type]
    if not value or value in have:
        return view
    named = value if spec.param == spec.refers else f"{spec.param}={value}"  # which of two spaces, in Compare
    problems.append(_MISSING[spec.refers].format(_shown(named)))
    default = getattr(type(view)(), spec.name)
    return replace(view, **{spec.name: default if default in have else ""})  # type: ignore[arg-type]
