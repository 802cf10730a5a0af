"""Training settings as typed, validated, frozen dataclasses: ``TrainConfig`` (Word2Vec/FastText) and
``FinetuneConfig`` (the sentence-transformer), the progress reports of each, and ``Cancelled``.

Each numeric setting's accepted range is declared once, as a :class:`Bound` in its config's ``LIMITS``, and its
default once, as the dataclass field's default (:func:`field_default`): the validators, the Train page's inputs and
the CLI's flags all read them there. The method names are :class:`embedlab.records.RunMethod`'s.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, fields, replace
from types import MappingProxyType
from typing import Any, ClassVar

from embedlab import store
from embedlab.errors import EmbedLabError
from embedlab.records import STATIC_METHODS, RunMethod
from embedlab.spaces.formats import vectors_dim
from embedlab.spaces.spec import SpaceKind, SpaceSpec


class Cancelled(Exception):
    """Training stopped on request; nothing was saved."""


MAX_SEEDS = 10  # replicas beyond this add training time, not a better floor


@dataclass(frozen=True)
class Bound:
    """The values one numeric setting accepts, ``low`` and ``high`` included, and how a form asks for it.

    A whole-number setting has ``int`` ends, a real-valued one ``float`` ends. The validators (:meth:`check`), the
    Train page's inputs (``embedlab.ui.widgets.config_number_input``) and the CLI's help read the same Bound, so
    they cannot disagree.

    Attributes:
        low, high: the smallest and the largest accepted value.
        label: the input's label on the Train page.
        step: the input's step; None for Streamlit's (1, or 0.01 for a real number).
        help: the input's tooltip and the CLI flag's help.
        low_means, high_means: what the ends mean, for the error message ("0 (no limit)").
        what: what the setting is, for the error message, where its name does not say ("subsampling threshold").
    """

    low: int | float
    high: int | float
    label: str
    step: int | float | None = None
    help: str | None = None
    low_means: str = ""
    high_means: str = ""
    what: str = ""

    @property
    def whole(self) -> bool:
        """Whether the setting takes whole numbers only."""
        return isinstance(self.low, int)

    @property
    def range_text(self) -> str:
        """``low..high`` as a help text shows it: ``2..2000``, ``1e-06..0.001``."""
        return f"{_number_text(self.low)}..{_number_text(self.high)}"

    def check(self, name: str, value: Any) -> int | float:
        """``value`` if this bound accepts it: an ``int`` for a whole-number setting, else a ``float``.

        Raises:
            EmbedLabError: not a number (a bool is not one), not whole where it must be, not finite, or outside
                ``low..high``: "dim must be a whole number from 2 to 2000, got 0".
        """
        if self.whole:
            number = isinstance(value, int) and not isinstance(value, bool)
        else:
            number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not (number and self.low <= value <= self.high):
            kind = "a whole number" if self.whole else "a number"
            low = _number_text(self.low) + _means(self.low_means)
            high = _number_text(self.high) + _means(self.high_means)
            raise EmbedLabError(f"{name}{_means(self.what)} must be {kind} from {low} to {high}, got {value!r}")
        return value if self.whole else float(value)


def _number_text(value: int | float) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


def _means(meaning: str) -> str:
    return f" ({meaning})" if meaning else ""


def field_default(config: type, name: str) -> Any:
    """The default of the dataclass ``config``'s field ``name`` (``field_default(TrainConfig, "dim")`` is 100).

    Raises:
        KeyError: ``config`` has no field ``name`` with a default.
    """
    for field in fields(config):
        if field.name == name and field.default is not MISSING:
            return field.default
    raise KeyError(f"{config.__name__} has no field '{name}' with a default")


SEED = Bound(0, 2**31 - 1, "Seed", help="random seed: the same seed and settings train the same run")
REPLICAS = Bound(
    1,
    64,
    "Data-parallel replicas on the cluster",
    help="Ray Train runs this many copies of the trainer, one GPU each when the cluster has GPUs (one CPU each "
    "otherwise), each on its share of the pairs, with the in-batch negatives gathered across all of them; 1 trains "
    "on one node.",
)
REPRODUCIBLE_WORKERS = 1  # gensim's training is bit-reproducible only with one worker thread


@dataclass(frozen=True)
class TrainConfig:
    """The parameters people tune. ``workers=0`` uses every core; ``workers=1`` makes runs bit-reproducible.

    ``init`` starts training from pretrained vectors: ``vectors:PATH`` (word2vec text/binary, GloVe text,
    fastText ``.vec``) or a run id (that run's trained vectors). Vocabulary words the source knows start from
    its vectors as stored (not normalised); the others start random. ``lock_pretrained`` scales every update
    to those pretrained words (gensim's lock factors): 1.0 trains them freely, 0.0 keeps them exactly as
    loaded, 0.3 lets them move about 30% as far per step. For FastText the lock also applies to the character
    n-gram buckets the pretrained words use, since a FastText word vector is the mean of its own row and them.

    ``seeds`` > 1 trains the same configuration again with seeds ``seed + 1`` ... ``seed + seeds - 1`` and keeps
    those replicas with the run (:mod:`embedlab.spaces.replicas`): "what changed" then has a seed-noise floor. The
    run's own vectors are always those of ``seed``; the job takes about ``seeds`` times as long.
    """

    method: RunMethod = RunMethod.WORD2VEC
    dim: int = 100
    window: int = 5
    min_count: int = 5
    epochs: int = 5
    sg: bool = False
    negative: int = 5
    sample: float = 1e-3
    seed: int = 42
    workers: int = 0
    init: str = ""
    lock_pretrained: float = 1.0
    seeds: int = 1

    LIMITS: ClassVar[Mapping[str, Bound]] = MappingProxyType(
        {
            "dim": Bound(2, 2000, "Dimensions"),
            "window": Bound(1, 50, "Window", help="context words on each side"),
            "min_count": Bound(1, 10**9, "Min count", help="words seen fewer times are left out"),
            "epochs": Bound(1, 1000, "Epochs"),
            "negative": Bound(0, 50, "Negative samples", help="noise words per positive; 0 turns it off"),
            # Mikolov et al. 2013 suggest 1e-5..1e-3; a word making more than a tenth of the tokens is all a
            # higher threshold would still touch
            "sample": Bound(
                0.0,
                0.1,
                "Subsampling",
                step=1e-4,
                help="Frequent words are down-sampled above this frequency; 0 turns it off",
                low_means="off",
                what="subsampling threshold",
            ),
            "seed": SEED,
            "workers": Bound(
                0,
                256,
                "Worker threads",
                help="gensim's threads: 0 uses every core, 1 makes runs bit-reproducible",
                low_means="every core",
            ),
            "lock_pretrained": Bound(
                0.0,
                1.0,
                "Pretrained rows: 1 = train freely, 0 = frozen",
                step=0.05,
                help="with pretrained vectors (init): 1 = their rows train freely, 0 = they stay as loaded",
                low_means="pretrained vectors stay as loaded",
                high_means="they train freely",
            ),
            "seeds": Bound(
                1,
                MAX_SEEDS,
                "Seeds",
                help="Train the same settings again with seeds Seed + 1, Seed + 2, … and keep those trainings with "
                "the run: What changed on the Compare page then gets a seed-noise floor, which tells a real change "
                "from what retraining with another seed alone changes. The run's own vectors are Seed's. With N "
                "seeds the job takes about N times as long; 1 trains once, without a floor.",
            ),
        }
    )

    def __post_init__(self) -> None:
        try:
            method = RunMethod(self.method)
        except ValueError:
            method = None
        if method not in STATIC_METHODS:
            raise EmbedLabError(
                f"method must be one of {[m.value for m in STATIC_METHODS]}, got '{self.method}'"
                + (": fine-tuning takes a FinetuneConfig" if method is RunMethod.SENTENCE_TRANSFORMER else "")
            )
        object.__setattr__(self, "method", method)
        _check_limits(self)
        if self.seed + self.seeds - 1 > SEED.high:
            raise EmbedLabError(f"seed + seeds - 1 must be at most {SEED.high}: lower the seed")
        object.__setattr__(self, "init", _normalise_init(self.init))
        if not self.init and self.lock_pretrained != 1.0:
            raise EmbedLabError(
                f"lock_pretrained={self.lock_pretrained:g} applies to pretrained vectors, but init is "
                "empty: set init to vectors:PATH or a run id, or leave lock_pretrained at 1.0"
            )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "method": self.method.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise EmbedLabError(f"unknown training parameters: {', '.join(unknown)}")
        return cls(**data)

    @property
    def threads(self) -> int:
        """gensim's worker threads: ``workers``, else the cores a Ray job holds (``$EMBEDLAB_JOB_CPUS``), else
        every core of this machine."""
        return self.workers or int(os.environ.get("EMBEDLAB_JOB_CPUS") or 0) or os.cpu_count() or 1


def _check_limits(config: TrainConfig | FinetuneConfig) -> None:
    """Check every setting of ``config`` its ``LIMITS`` bound; a real-valued one given as an int becomes a float.

    Raises:
        EmbedLabError: the first setting out of its bound, as :meth:`Bound.check` words it.
    """
    for name, bound in config.LIMITS.items():
        object.__setattr__(config, name, bound.check(name, getattr(config, name)))


def _normalise_init(init: Any) -> str:
    """``init`` stripped, with a vectors file's path made absolute (a job may run elsewhere later).

    Raises:
        EmbedLabError: not empty, ``vectors:PATH`` or a run id.
    """
    accepted = (
        "init must be empty (random start), vectors:PATH (a word2vec, GloVe or fastText .vec file) "
        "or a run id like run-20260101-120000-abc123"
    )
    if not isinstance(init, str):
        raise EmbedLabError(f"{accepted}, got {init!r}")
    init = init.strip()
    if not init:
        return ""
    try:
        spec = SpaceSpec.parse(init)
    except EmbedLabError:
        raise EmbedLabError(f"{accepted}, got '{init}'") from None
    if spec.kind is SpaceKind.BASELINE:
        raise EmbedLabError(f"{accepted}; the baseline is a sentence model, not a word-vectors file")
    if spec.context or spec.debiased:
        raise EmbedLabError(f"{accepted}; got '{init}', a derived space: start from the vectors it comes from")
    if spec.kind is SpaceKind.VECTORS:
        return str(replace(spec, source=os.path.abspath(os.path.expanduser(spec.source.strip()))))
    return str(spec)


@dataclass(frozen=True)
class Progress:
    """Where a Word2Vec/FastText training is: the epoch (1-based), the share done (0..1), words per second and the
    estimated seconds left."""

    epoch: int  # 1-based epoch in progress
    epochs: int
    fraction: float  # of the whole training, 0..1
    words_per_second: float
    eta_seconds: float | None
    replica: int = 1  # which of the job's trainings (1-based; the run's own seed first), with seeds > 1
    replicas: int = 1


@dataclass(frozen=True)
class FinetuneConfig:
    """The fine-tuning budget and settings; defaults finish in about two minutes on a 2-core CPU."""

    max_pairs: int = 1000  # training pairs used (sampled, seeded)
    max_minutes: float = 0.0  # stop training after this long; 0 = no time limit
    batch_size: int = 16
    epochs: int = 1
    learning_rate: float = 5e-5
    held_out_share: float = 0.1
    seed: int = 42
    pairs_file: str = ""  # optional CSV anchor,positive: supervised pairs instead of neighbouring sentences
    use_labels: bool = False  # supervised pairs from the corpus's label column: documents sharing a label

    LIMITS: ClassVar[Mapping[str, Bound]] = MappingProxyType(
        {
            "max_pairs": Bound(8, 10_000_000, "Training pairs (budget)", step=100, help="fine-tuning budget in pairs"),
            "max_minutes": Bound(
                0.0, 24 * 60.0, "Time limit (minutes, 0 = none)", help="fine-tuning time limit", low_means="no limit"
            ),
            "batch_size": Bound(2, 4096, "Batch size", help="pairs per step; the others in a batch are its negatives"),
            "epochs": Bound(1, 100, "Epochs"),
            # AdamW's peak rate for fine-tuning a pretrained encoder: BERT and Sentence-BERT fine-tune at 2e-5..5e-5
            # (Devlin et al. 2019; Reimers & Gurevych 2019); above ~1e-3 the updates wipe out what pretraining learnt,
            # below 1e-6 a budget of a few thousand pairs moves nothing
            "learning_rate": Bound(1e-6, 1e-3, "Learning rate", step=1e-5, help="AdamW's peak learning rate"),
            "held_out_share": Bound(0.01, 0.5, "Held-out share", help="documents whose pairs are never trained on"),
            "seed": SEED,
        }
    )

    def __post_init__(self) -> None:
        _check_limits(self)
        if self.pairs_file and self.use_labels:
            raise EmbedLabError("choose one source of supervised pairs: a pairs file or the corpus labels")

    def to_dict(self) -> dict[str, Any]:
        return {"method": RunMethod.SENTENCE_TRANSFORMER.value, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FinetuneConfig:
        data = {key: value for key, value in data.items() if key != "method"}
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise EmbedLabError(f"unknown fine-tuning parameters: {', '.join(unknown)}")
        return cls(**data)


@dataclass(frozen=True)
class FinetuneProgress:
    """Where a fine-tuning is: the phase (measuring the held-out check, training, encoding the corpus words...), the
    optimiser step, the share of the phase done (0..1), pairs per second and the estimated seconds left."""

    step: int
    steps: int
    fraction: float
    pairs_per_second: float
    eta_seconds: float | None
    phase: str = "training"


def init_dim(init: str) -> int:
    """The dimension of the vectors ``init`` names (a ``vectors:PATH`` file or a Word2Vec/FastText run): what a
    continued training must use.

    Raises:
        EmbedLabError: not a vectors file or a static run; no such file or run.
    """
    spec = SpaceSpec.parse(_normalise_init(init))
    if spec.kind is SpaceKind.VECTORS:
        return vectors_dim(spec.source)
    run = store.get_run(spec.source)
    if run is None or run.is_finetuned:
        raise EmbedLabError(f"init: no Word2Vec or FastText run '{spec.source}'; pick a run from the list, or a file")
    return run.dim
