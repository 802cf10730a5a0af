"""Fine-tune the bundled sentence-transformer (all-MiniLM-L6-v2) on a corpus, and measure it on held-out pairs.

Objective on raw text: neighbouring sentences of one document are a positive pair, and every other positive in
the batch is a negative (in-batch negatives, sentence-transformers' MultipleNegativesRankingLoss). It needs no
labels, teaches the model which sentences of *this* corpus belong together, and is what the retrieval check
measures. With a pairs file (CSV ``anchor,positive``) the same loss trains on the user's own pairs.

Pairs from a share of the documents (or of the user's pairs) are held out before training and never seen by it;
MRR@10 and recall@10 on them are computed for the baseline and for the fine-tuned model.
"""
from __future__ import annotations

import csv
import io
import json
import math
import random
import shutil
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence


from embedlab import store
from embedlab.evaluate import RETRIEVAL_K, rank_metrics

if TYPE_CHECKING:
    from embedlab.corpus import Corpus

__all__ = ["FinetuneConfig", "FinetuneProgress", "Pairs", "finetune_run", "has_held_out_pairs", "held_out_pairs", "make_pairs", "model_zip_bytes", "parse_pairs_csv", "read_pairs_csv",
           "retrieval_scores", "retrieval_summary", "run_params", "save_pairs_upload"]

METHOD = "sentence-transformer"
MIN_WORDS_PER_SENTENCE = 3
MIN_HELD_OUT_PAIRS = 20
MAX_HELD_OUT_PAIRS = 500
LABEL_DOCUMENT_SENTENCES = 3  # a labelled document enters a pair by its first sentences (MiniLM reads 256 tokens)


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

    def __post_init__(self) -> None:
        limits = {"max_pairs": (8, 10_000_000), "batch_size": (2, 4096), "epochs": (1, 100), "seed": (0, 2**31 - 1)}
        for name, (low, high) in limits.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
        if not 0 <= self.max_minutes <= 24 * 60:
            raise ValueError(f"max_minutes must be from 0 (no limit) to 1440, got {self.max_minutes}")
        if not 0 < self.learning_rate < 1:
            raise ValueError(f"learning_rate must be between 0 and 1, got {self.learning_rate}")
        if self.pairs_file and self.use_labels:
            raise ValueError("choose one source of supervised pairs: a pairs file or the corpus labels")
        if not 0.01 <= self.held_out_share <= 0.5:
            raise ValueError(f"held_out_share must be from 0.01 to 0.5, got {self.held_out_share}")

    def to_dict(self) -> dict[str, Any]:
        return {"method": METHOD, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FinetuneConfig:
        data = {key: value for key, value in data.items() if key != "method"}
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown fine-tuning parameters: {', '.join(unknown)}")
        return cls(**data)


@dataclass(frozen=True)
class FinetuneProgress:
    step: int
    steps: int
    fraction: float
    pairs_per_second: float
    eta_seconds: float | None


@dataclass(frozen=True)
class Pairs:
    """Training and held-out (anchor, positive) pairs; no held-out text appears in a training pair."""

    train: list[tuple[str, str]]
    held_out: list[tuple[str, str]]
    source: str


def read_pairs_csv(path: str | Path) -> list[tuple[str, str]]:
    """Read the user's pairs file (see :func:`parse_pairs_csv`)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no such pairs file: {path}")
    return parse_pairs_csv(path.name, path.read_bytes())


def parse_pairs_csv(name: str, data: bytes) -> list[tuple[str, str]]:
    """The user's pairs: a CSV with a header row and the columns ``anchor,positive``.

    Raises:
        ValueError: missing columns or too few usable pairs, naming the problem.
    """
    from embedlab.corpus import decode

    text, _ = decode(data, name)
    try:
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise ValueError(f"{name}: not a readable CSV ({error})") from None
    columns = {c for c in (rows[0] if rows else {}) if c is not None}
    if not {"anchor", "positive"} <= columns:
        raise ValueError(f"{name}: needs the columns anchor and positive; found {', '.join(repr(c) for c in sorted(columns)) or 'none'}")
    pairs = [(r["anchor"].strip(), r["positive"].strip()) for r in rows
             if (r.get("anchor") or "").strip() and (r.get("positive") or "").strip()]
    if len(pairs) < 2 * MIN_HELD_OUT_PAIRS:
        raise ValueError(f"{name}: {len(pairs)} usable pairs; at least {2 * MIN_HELD_OUT_PAIRS} are needed")
    return pairs


def _neighbour_pairs(document: Sequence[str]) -> list[tuple[str, str]]:
    usable = [s for s in document if len(s.split()) >= MIN_WORDS_PER_SENTENCE]
    return [(first, second) for first, second in zip(usable, usable[1:]) if first != second]


def _held_out_size(total: int, share: float) -> int:
    return min(MAX_HELD_OUT_PAIRS, max(MIN_HELD_OUT_PAIRS, round(total * share)))


def _label_pairs(corpus: Corpus, config: FinetuneConfig,
                 rng: random.Random) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Supervised pairs from a label column: each document with another document of the same label.

    Documents are split into held-out and training sets first; pairs never cross the split.
    """
    if not corpus.labels:
        raise ValueError(f"{corpus.name} has no label column: choose one when adding the corpus, or fine-tune on "
                         "neighbouring sentences")
    texts = [" ".join(doc[:LABEL_DOCUMENT_SENTENCES]) for doc in corpus.documents()]
    documents = [i for i, text in enumerate(texts) if text and corpus.labels[i]]
    rng.shuffle(documents)
    size = _held_out_size(len(documents), config.held_out_share)
    splits = []
    for part in (documents[:size], documents[size:]):
        by_label: dict[str, list[int]] = {}
        for i in part:
            by_label.setdefault(corpus.labels[i], []).append(i)
        pairs = []
        for i in part:
            others = [j for j in by_label[corpus.labels[i]] if j != i]
            if others:
                pairs.append((texts[i], texts[rng.choice(others)]))
        splits.append(pairs)
    return splits[0], splits[1]


def make_pairs(corpus: Corpus, config: FinetuneConfig) -> Pairs:
    """Split pairs into training and held-out sets, seeded.

    Unsupervised pairs are held out by whole documents, so no held-out sentence is ever trained on; the user's
    pairs are held out pair by pair, and training pairs sharing text with a held-out pair are dropped.

    Raises:
        ValueError: too few pairs to hold some out and still train.
    """
    rng = random.Random(config.seed)
    if config.pairs_file:
        pairs = read_pairs_csv(config.pairs_file)
        rng.shuffle(pairs)
        size = _held_out_size(len(pairs), config.held_out_share)
        held_out, train = pairs[:size], pairs[size:]
        source = f"pairs file {Path(config.pairs_file).name}"
    elif config.use_labels:
        held_out, train = _label_pairs(corpus, config, rng)
        source = "documents sharing a label"
    else:
        documents = [pairs for pairs in map(_neighbour_pairs, corpus.documents()) if pairs]
        total = sum(len(p) for p in documents)
        rng.shuffle(documents)
        size = _held_out_size(total, config.held_out_share)
        held_out, train = [], []
        for pairs in documents:
            (held_out if len(held_out) < size else train).extend(pairs)
        held_out = held_out[:MAX_HELD_OUT_PAIRS]
        source = "neighbouring sentences of the corpus"
    seen = {text for pair in held_out for text in pair}
    train = [pair for pair in train if pair[0] not in seen and pair[1] not in seen]
    if len(held_out) < MIN_HELD_OUT_PAIRS or len(train) < config.batch_size:
        raise ValueError(f"{len(held_out) + len(train)} sentence pairs are too few to fine-tune with a held-out "
                         f"check: need at least {MIN_HELD_OUT_PAIRS} held out plus one batch ({config.batch_size}) "
                         "to train; use a bigger corpus (documents with several sentences) or a pairs file")
    rng.shuffle(train)
    return Pairs(train[:config.max_pairs], held_out, source)


def retrieval_scores(model, pairs: Sequence[tuple[str, str]], k: int = RETRIEVAL_K) -> dict[str, float]:
    """Each anchor retrieves among all held-out positives: MRR@k and recall@k of its own positive."""
    anchors = model.encode([a for a, _ in pairs], normalize_embeddings=True, convert_to_numpy=True,
                           show_progress_bar=False, batch_size=64)
    positives = model.encode([p for _, p in pairs], normalize_embeddings=True, convert_to_numpy=True,
                             show_progress_bar=False, batch_size=64)
    return rank_metrics(anchors, positives, k)


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _train(model, pairs: Sequence[tuple[str, str]], config: FinetuneConfig, workdir: Path,
           on_progress: Callable[[FinetuneProgress], None] | None) -> tuple[int, float]:
    """Run the sentence-transformers trainer; returns (pairs trained on, seconds)."""
    import torch
    from datasets import Dataset
    from sentence_transformers import SentenceTransformerTrainer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from sentence_transformers.sentence_transformer.training_args import (
        BatchSamplers,
        SentenceTransformerTrainingArguments,
    )
    from transformers import TrainerCallback
    from transformers.trainer_callback import PrinterCallback

    steps = max(1, math.ceil(len(pairs) / config.batch_size) * config.epochs)
    cuda = model.device.type == "cuda"  # train where the model is
    args = SentenceTransformerTrainingArguments(
        output_dir=str(workdir), per_device_train_batch_size=config.batch_size, max_steps=steps,
        learning_rate=config.learning_rate, warmup_steps=max(1, steps // 10), seed=config.seed,
        batch_sampler=BatchSamplers.NO_DUPLICATES, save_strategy="no", report_to="none", logging_strategy="no",
        disable_tqdm=True, use_cpu=not cuda, bf16=cuda and torch.cuda.is_bf16_supported(),
        fp16=cuda and not torch.cuda.is_bf16_supported(), dataloader_num_workers=0,
    )
    started = time.perf_counter()
    deadline = started + config.max_minutes * 60 if config.max_minutes else math.inf

    class Progress(TrainerCallback):
        def on_step_end(self, _args, state, control, **_kwargs):
            elapsed = time.perf_counter() - started
            fraction = state.global_step / steps
            if on_progress is not None:
                on_progress(FinetuneProgress(state.global_step, steps, fraction,
                                             state.global_step * config.batch_size / max(elapsed, 1e-9),
                                             elapsed / fraction * (1 - fraction) if fraction else None))
            if time.perf_counter() > deadline:
                control.should_training_stop = True
            return control

    dataset = Dataset.from_dict({"anchor": [a for a, _ in pairs], "positive": [p for _, p in pairs]})
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=dataset,
                                         loss=MultipleNegativesRankingLoss(model), callbacks=[Progress()])
    trainer.remove_callback(PrinterCallback)  # it prints the final metrics dict to stdout (the CLI's JSON)
    result = trainer.train()
    seconds = time.perf_counter() - started
    return min(len(pairs) * config.epochs, result.global_step * config.batch_size), seconds


def finetune_run(corpus: Corpus, config: FinetuneConfig,
                 on_progress: Callable[[FinetuneProgress], None] | None = None, run_id: str | None = None,
                 may_commit: Callable[[], bool] = lambda: True) -> dict[str, Any]:
    """Fine-tune MiniLM on the corpus and save it as a run: ``runs/<id>/model/`` (a sentence-transformers
    folder), ``params.json`` (budget, pairs, timings, device, retrieval), ``held_out.jsonl``.

    The folder appears in one rename once complete; ``may_commit`` is asked just before (False: nothing saved).

    Returns:
        The run's registry row.
    """
    import torch
    from sentence_transformers import SentenceTransformer

    from embedlab import baseline, config as settings
    from embedlab.train import Cancelled

    pairs = make_pairs(corpus, config)
    run_id = run_id or store.new_id("run")
    device = _device()
    model = SentenceTransformer(str(baseline.model_path()), device=device, local_files_only=True)
    before = retrieval_scores(model, pairs.held_out)
    store.remove_stale_staging(store.runs_dir())
    with store.staged_dir(store.runs_dir() / run_id) as staging:
        trained_pairs, seconds = _train(model, pairs.train, config, staging / "trainer", on_progress)
        shutil.rmtree(staging / "trainer", ignore_errors=True)
        after = retrieval_scores(model, pairs.held_out)
        model.save(str(staging / "model"))
        (staging / "held_out.jsonl").write_text(
            "".join(json.dumps({"anchor": a, "positive": p}, ensure_ascii=False) + "\n" for a, p in pairs.held_out),
            encoding="utf-8")
        vocab_size = min(len(corpus.counts), settings.BASELINE_VOCAB_CAP)
        params = {
            "run_id": run_id, "method": METHOD, "config": config.to_dict(), "corpus_id": corpus.id,
            "corpus_name": corpus.name, "base_model": baseline.MODEL_NAME, "pairs_source": pairs.source,
            "train_pairs": len(pairs.train), "pairs_trained": trained_pairs, "train_seconds": round(seconds, 3),
            "pairs_per_second": round(trained_pairs / max(seconds, 1e-9), 2), "device": device,
            "torch_threads": torch.get_num_threads(),
            "retrieval": {"baseline": before, "finetuned": after, "held_out_pairs": len(pairs.held_out)},
            "vocab_size": vocab_size,
        }
        (staging / "params.json").write_text(json.dumps(params, indent=2, ensure_ascii=False), encoding="utf-8")
        if not may_commit():
            raise Cancelled(f"run {run_id} was cancelled")
    try:
        store.add_run(run_id, corpus.id, METHOD, config.to_dict(), vocab_size, seconds)
    except BaseException:
        shutil.rmtree(store.runs_dir() / run_id, ignore_errors=True)
        raise
    return store.get_run(run_id)


def run_params(run_id: str) -> dict[str, Any]:
    """A run's params.json (retrieval figures included for fine-tuned runs)."""
    path = store.runs_dir() / run_id / "params.json"
    if not path.is_file():
        raise ValueError(f"no run '{run_id}' in {store.runs_dir()}")
    return json.loads(path.read_text(encoding="utf-8"))


def has_held_out_pairs(spec: str) -> bool:
    """Whether ``spec`` is a fine-tuned run that kept the pairs it held out."""
    return store.get_run(spec) is not None and (store.runs_dir() / spec / "held_out.jsonl").is_file()


def held_out_pairs(run_id: str) -> list[tuple[str, str]]:
    """The pairs a fine-tuned run held out and never trained on; empty for any other space."""
    if not has_held_out_pairs(run_id):
        return []
    path = store.runs_dir() / run_id / "held_out.jsonl"
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return [(row["anchor"], row["positive"]) for row in rows]


def save_pairs_upload(name: str, data: bytes) -> str:
    """Check an uploaded pairs CSV and keep it under ``EMBEDLAB_HOME/pairs/`` by content hash; returns its path.

    Raises:
        ValueError: the file is not a usable pairs CSV (see :func:`parse_pairs_csv`); nothing is kept.
    """
    import hashlib

    parse_pairs_csv(name, data)
    path = store.cache_dir().parent / "pairs" / f"{hashlib.sha256(data).hexdigest()[:20]}.csv"
    store.write_bytes(path, data)
    return str(path)


def retrieval_summary(run_id: str) -> str:
    """One line: the held-out retrieval of the baseline and of the fine-tuned model."""
    retrieval = run_params(run_id)["retrieval"]
    before, after = retrieval["baseline"], retrieval["finetuned"]
    return (f"Held-out retrieval ({retrieval['held_out_pairs']} pairs never trained on): "
            f"MRR@{RETRIEVAL_K} {before[f'mrr@{RETRIEVAL_K}']:.3f} → {after[f'mrr@{RETRIEVAL_K}']:.3f}, "
            f"recall@{RETRIEVAL_K} {before[f'recall@{RETRIEVAL_K}']:.3f} → {after[f'recall@{RETRIEVAL_K}']:.3f} "
            "(baseline → fine-tuned)")


def model_zip_bytes(run_id: str) -> bytes:
    """A fine-tuned run's sentence-transformers folder as a zip (load it with ``SentenceTransformer(folder)``)."""
    import zipfile

    folder = store.runs_dir() / run_id / "model"
    if not folder.is_dir():
        raise ValueError(f"run '{run_id}' holds no fine-tuned model")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{run_id}/{path.relative_to(folder)}")
    return buffer.getvalue()
