"""Fine-tune the bundled sentence-transformer (all-MiniLM-L6-v2) on a corpus, and measure it on held-out pairs.

Objective on raw text: neighbouring sentences of one document are a positive pair, and every other positive in
the batch is a negative (in-batch negatives, sentence-transformers' MultipleNegativesRankingLoss). It needs no
labels, teaches the model which sentences of *this* corpus belong together, and is what the retrieval check
measures. With a pairs file (CSV ``anchor,positive``) the same loss trains on the user's own pairs.

Pairs from a share of the documents (or of the user's pairs) are held out before training and never seen by it;
MRR@10 and recall@10 on them are computed for the baseline and for the fine-tuned model.
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import shutil
import time
import traceback
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab import config as settings
from embedlab import formatting, store
from embedlab.errors import EmbedLabError
from embedlab.metrics import RETRIEVAL_K, query_scores, rank_metrics
from embedlab.records import RunMethod, RunRecord
from embedlab.spaces import baseline
from embedlab.spaces.load import transformer_vocabulary
from embedlab.training.commit import staged_run
from embedlab.training.configs import FinetuneConfig, FinetuneProgress
from embedlab.training.health import finetune_health, mrr_change, save_health
from embedlab.training.pairs import make_pairs, save_pairs

if TYPE_CHECKING:
    from embedlab.corpus.stored import Corpus


def _encode_pairs(model, pairs: Sequence[tuple[str, str]]):
    """The pairs' anchors and positives encoded by ``model``: two float arrays of shape (pairs, dim), unit rows."""
    return tuple(
        model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False, batch_size=64)
        for texts in ([a for a, _ in pairs], [p for _, p in pairs])
    )


def retrieval_scores(model, pairs: Sequence[tuple[str, str]], k: int = RETRIEVAL_K) -> dict[str, float]:
    """Each anchor retrieves among all held-out positives: MRR@k and recall@k of its own positive (ties at the
    mid-rank, :func:`embedlab.metrics.rank_metrics`)."""
    return held_out_scores(model, pairs, k)[0]


def held_out_scores(
    model, pairs: Sequence[tuple[str, str]], k: int = RETRIEVAL_K
) -> tuple[dict[str, float], np.ndarray]:
    """:func:`retrieval_scores` and, per anchor, the reciprocal rank of its own positive (0 beyond rank k), from one
    encoding: the per-query values the fine-tune's paired interval resamples (:func:`retrieval_record`).

    Returns:
        (``{"mrr@k", "recall@k"}``, float64 array of shape (len(pairs),)).
    """
    anchors, positives = _encode_pairs(model, pairs)
    return rank_metrics(anchors, positives, k), query_scores(anchors, positives, k)[0]


def retrieval_record(
    before: tuple[dict[str, float], np.ndarray], after: tuple[dict[str, float], np.ndarray]
) -> dict[str, Any]:
    """A fine-tune's held-out check as params.json keeps it (``RetrievalCheck.to_dict()``'s shape), from
    :func:`held_out_scores` of the base model and of the fine-tuned one on the same held-out pairs: their scores,
    the number of pairs, and the MRR change with its paired bootstrap interval (:func:`health.mrr_change`)."""
    return {
        "baseline": before[0],
        "finetuned": after[0],
        "held_out_pairs": len(before[1]),
        "mrr_change": mrr_change(before[1], after[1]),
    }


def _load(folder: Path, device: str):
    """A sentence-transformer from a local folder on ``device``, reading at most ``baseline.MAX_TOKENS`` pieces (as
    it will be read when encoding)."""
    from sentence_transformers import SentenceTransformer  # lazy, as in _fit

    model = SentenceTransformer(str(folder), device=device, local_files_only=True)
    model.max_seq_length = min(model.max_seq_length or baseline.MAX_TOKENS, baseline.MAX_TOKENS)
    return model


REPLICAS_VARIABLE = "EMBEDLAB_FINETUNE_REPLICAS"  # set for a fine-tune on a Ray cluster: data-parallel replicas
GPU_VARIABLE = "EMBEDLAB_FINETUNE_GPU"  # "1": each replica takes a GPU


def _fit(
    model,
    pairs: Sequence[tuple[str, str]],
    config: FinetuneConfig,
    workdir: Path,
    on_progress: Callable[[FinetuneProgress], None] | None,
    replicas: int = 1,
) -> tuple[int, float]:
    """Run the sentence-transformers trainer on ``model`` (in place); returns (pairs trained on, seconds). With
    ``replicas`` > 1 it is one of that many data-parallel processes (torch.distributed set up by Ray Train): each
    reads its share of the pairs and the in-batch negatives are gathered across all of them."""
    # lazy: torch, datasets, transformers and sentence-transformers take seconds to import; only training needs them
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

    steps = max(1, math.ceil(len(pairs) / (config.batch_size * replicas)) * config.epochs)
    cuda = model.device.type == "cuda"  # train where the model is
    args = SentenceTransformerTrainingArguments(
        output_dir=str(workdir),
        per_device_train_batch_size=config.batch_size,
        max_steps=steps,
        learning_rate=config.learning_rate,
        warmup_steps=max(1, steps // 10),
        seed=config.seed,
        batch_sampler=BatchSamplers.NO_DUPLICATES,
        save_strategy="no",
        report_to="none",
        logging_strategy="no",
        disable_tqdm=True,
        use_cpu=not cuda,
        bf16=cuda and torch.cuda.is_bf16_supported(),
        fp16=cuda and not torch.cuda.is_bf16_supported(),
        dataloader_num_workers=0,
    )
    started = time.perf_counter()
    deadline = started + config.max_minutes * 60 if config.max_minutes else math.inf
    per_step = config.batch_size * replicas

    class Progress(TrainerCallback):
        def on_step_end(self, _args, state, control, **_kwargs):
            elapsed = time.perf_counter() - started
            fraction = state.global_step / steps
            if on_progress is not None:
                on_progress(
                    FinetuneProgress(
                        state.global_step,
                        steps,
                        fraction,
                        state.global_step * per_step / max(elapsed, 1e-9),
                        elapsed / fraction * (1 - fraction) if fraction else None,
                    )
                )
            if time.perf_counter() > deadline:
                control.should_training_stop = True
            return control

    dataset = Dataset.from_dict({"anchor": [a for a, _ in pairs], "positive": [p for _, p in pairs]})
    loss = MultipleNegativesRankingLoss(model, gather_across_devices=replicas > 1)
    trainer = SentenceTransformerTrainer(
        model=model, args=args, train_dataset=dataset, loss=loss, callbacks=[Progress()]
    )
    trainer.remove_callback(PrinterCallback)  # it prints the final metrics dict to stdout (the CLI's JSON)
    result = trainer.train()
    seconds = time.perf_counter() - started
    return min(len(pairs) * config.epochs, result.global_step * per_step), seconds


def _replica(settings_: dict[str, Any]) -> None:
    """One data-parallel replica (a Ray Train worker): load the base model, train on this replica's share; the
    first replica saves the trained model and the figures into ``workdir`` and reports progress."""
    import torch.distributed as dist  # lazy, as in _fit

    first = not dist.is_initialized() or dist.get_rank() == 0
    model = _load(baseline.model_path(), baseline.torch_device())
    workdir = Path(settings_["workdir"])
    trained, seconds = _fit(
        model,
        settings_["pairs"],
        settings_["config"],
        workdir / f"trainer-{dist.get_rank() if dist.is_initialized() else 0}",
        settings_["progress"] if first else None,
        settings_["replicas"],
    )
    if first:
        model.save(str(workdir / "model"))
        (workdir / "result.json").write_text(json.dumps({"pairs": trained, "seconds": seconds}), encoding="utf-8")


def _train(
    model,
    pairs: Sequence[tuple[str, str]],
    config: FinetuneConfig,
    workdir: Path,
    on_progress: Callable[[FinetuneProgress], None] | None,
) -> tuple[Any, int, float]:
    """Train here, or — in a job on a Ray cluster asked for ``$EMBEDLAB_FINETUNE_REPLICAS`` > 1 — as that many
    data-parallel replicas with Ray Train's ``TorchTrainer`` (one GPU each when ``$EMBEDLAB_FINETUNE_GPU`` is 1).

    Returns:
        The trained model (``model`` itself when trained here), the pairs trained on, seconds.
    """
    replicas = int(os.environ.get(REPLICAS_VARIABLE) or 1)
    if replicas <= 1:
        return (model, *_fit(model, pairs, config, workdir, on_progress))
    # lazy: ray takes a second to import; only a data-parallel fine-tune on a cluster needs it
    import ray
    from ray.train import RunConfig, ScalingConfig
    from ray.train.torch import TorchTrainer

    if not ray.is_initialized():
        ray.init(address="auto", logging_level=logging.WARNING, log_to_driver=False)  # this Ray Job's cluster
    workdir.mkdir(parents=True, exist_ok=True)
    TorchTrainer(
        _replica,
        train_loop_config={
            "pairs": list(pairs),
            "config": config,
            "workdir": str(workdir),
            "progress": on_progress,
            "replicas": replicas,
        },
        scaling_config=ScalingConfig(num_workers=replicas, use_gpu=os.environ.get(GPU_VARIABLE) == "1"),
        run_config=RunConfig(storage_path=str(workdir / "ray"), name="finetune"),
    ).fit()
    result = json.loads((workdir / "result.json").read_text(encoding="utf-8"))
    return _load(workdir / "model", str(model.device)), int(result["pairs"]), float(result["seconds"])


def finetune_run(
    corpus: Corpus,
    config: FinetuneConfig,
    on_progress: Callable[[FinetuneProgress], None] | None = None,
    run_id: str | None = None,
    may_commit: Callable[[], bool] = lambda: True,
) -> RunRecord:
    """Fine-tune MiniLM on the corpus and save it as a run: ``runs/<id>/model/`` (a sentence-transformers
    folder), ``params.json`` (budget, pairs, timings, device, retrieval, dim, base model), ``held_out.jsonl`` and
    ``trained_documents.json`` (:func:`~embedlab.training.pairs.save_pairs`: what it never trained on, and which
    documents it did, so no evaluation scores it on them), ``health.json``
    (:func:`embedlab.training.health.finetune_health`: did held-out MRR@10 change at all).

    Saved by :func:`embedlab.training.commit.staged_run`: the folder appears in one rename once complete;
    ``may_commit`` is asked just before (False: :class:`Cancelled`, nothing saved). The registry row's params are
    the config plus ``dim`` (the embedding dimension) and ``base_model``.

    Returns:
        The run's registry row.
    """
    # lazy: torch takes seconds to import; only fine-tuning needs it
    import torch

    def phase(name: str, fraction: float = 0.0) -> None:
        if on_progress is not None:
            on_progress(FinetuneProgress(0, 0, fraction, 0.0, None, phase=name))

    pairs = make_pairs(corpus, config)
    device = baseline.torch_device()
    phase(f"loading {baseline.MODEL_NAME}")
    model = _load(baseline.model_path(), device)
    dim = model.get_embedding_dimension()
    phase(f"measuring the baseline on {len(pairs.held_out):,} held-out pairs")
    before = held_out_scores(model, pairs.held_out)
    vocab_size = min(len(corpus.counts), settings.BASELINE_VOCAB_CAP)
    recorded = {**config.to_dict(), "dim": dim, "base_model": baseline.MODEL_NAME}
    with staged_run(corpus.id, RunMethod.SENTENCE_TRANSFORMER, recorded, run_id=run_id, may_commit=may_commit) as run:
        model, trained_pairs, seconds = _train(model, pairs.train, config, run.folder / "trainer", on_progress)
        shutil.rmtree(run.folder / "trainer", ignore_errors=True)
        phase(f"measuring the fine-tuned model on {len(pairs.held_out):,} held-out pairs", 1.0)
        retrieval = retrieval_record(before, held_out_scores(model, pairs.held_out))
        save_health(run.folder, finetune_health(retrieval, trained_pairs))
        phase("saving the model", 1.0)
        model.save(str(run.folder / "model"))
        save_pairs(run.folder, corpus.id, pairs)  # what it held out and trained on: never scored on them
        run.finish(
            {
                "corpus_name": corpus.name,
                "base_model": baseline.MODEL_NAME,
                "dim": dim,
                "pairs_source": pairs.source,
                "train_pairs": len(pairs.train),
                "trained_documents": len(pairs.trained_documents),
                "held_out_duplicates": pairs.duplicates,
                "pairs_trained": trained_pairs,
                "train_seconds": round(seconds, 3),
                "pairs_per_second": round(trained_pairs / max(seconds, 1e-9), 2),
                "device": device,
                "replicas": int(os.environ.get(REPLICAS_VARIABLE) or 1),
                "torch_threads": torch.get_num_threads(),
                "retrieval": retrieval,
                "vocab_size": vocab_size,
            },
            vocab_size=vocab_size,
            seconds=seconds,
        )
    # The first comparison with this run would otherwise wait for every corpus word to be encoded (minutes on a
    # CPU): the job does it now, into the same disk cache the Compare page reads.
    words = transformer_vocabulary(corpus)
    tuned_dir = store.runs_dir() / run.run_id / "model"
    try:
        models: tuple[tuple[Path | None, str], ...] = ((tuned_dir, "the fine-tuned model"), (None, "the baseline"))
        replicas = int(os.environ.get(REPLICAS_VARIABLE) or 1)
        for model_dir, whose in models:  # a no-op for the baseline when its words are cached already
            encoding = f"encoding {len(words):,} corpus words with {whose}, for Compare"
            if replicas > 1:  # one model replica per GPU (or CPU) of the cluster, as the training had
                phase(f"{encoding} ({replicas} replicas)")
                baseline.encode_texts_on_replicas(words, replicas, os.environ.get(GPU_VARIABLE) == "1", model_dir)
            else:
                baseline.encode_words(words, partial(phase, encoding), model_dir)
    except Exception:  # the run is saved and whole; Compare encodes the words itself when it opens
        traceback.print_exc()
    return run.record


def run_params(run_id: str) -> dict[str, Any]:
    """A run's params.json (retrieval figures included for fine-tuned runs)."""
    path = store.runs_dir() / run_id / "params.json"
    if not path.is_file():
        raise EmbedLabError(f"no run '{run_id}' in {store.runs_dir()}")
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class RetrievalCheck:
    """A fine-tuned run's held-out check: MRR@k and recall@k (0..1) of the baseline and of the fine-tuned model on
    pairs it never trained on, and the MRR change's paired bootstrap interval (None for runs saved before it was
    kept)."""

    pairs: int
    k: int
    baseline_mrr: float
    finetuned_mrr: float
    baseline_recall: float
    finetuned_recall: float
    change: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """As params.json and ``train --json`` hold it: ``{"baseline": {"mrr@10", "recall@10"}, "finetuned": {...},
        "held_out_pairs", "mrr_change"}`` (``mrr_change``: :func:`health.mrr_change`'s record, when kept)."""
        found: dict[str, Any] = {
            "baseline": {f"mrr@{self.k}": self.baseline_mrr, f"recall@{self.k}": self.baseline_recall},
            "finetuned": {f"mrr@{self.k}": self.finetuned_mrr, f"recall@{self.k}": self.finetuned_recall},
            "held_out_pairs": self.pairs,
        }
        return {**found, "mrr_change": dict(self.change)} if self.change is not None else found

    @property
    def mrr_change(self) -> str:
        """``0.132 → 0.134``"""
        return f"{self.baseline_mrr:.3f} → {self.finetuned_mrr:.3f}"

    @property
    def interval(self) -> str:
        """``+0.0019, 95% CI [-0.0030, +0.0070]``; '' when no interval was kept."""
        if self.change is None or self.change.get("ci_low") is None or self.change.get("ci_high") is None:
            return ""
        confidence = float(self.change.get("confidence", 0.95))
        change = self.finetuned_mrr - self.baseline_mrr
        return formatting.estimate(
            change, self.change["ci_low"], self.change["ci_high"], digits=4, confidence=confidence
        )


def retrieval_check(run_id: str) -> RetrievalCheck:
    """The held-out check a fine-tuned run measured when it was trained (its ``params.json``).

    Raises:
        EmbedLabError: no such run, or not a fine-tuned one.
    """
    found = run_params(run_id).get("retrieval")
    if not found:
        raise EmbedLabError(f"run '{run_id}' is not a fine-tuned run: it has no held-out retrieval check")
    before, after, k = found["baseline"], found["finetuned"], RETRIEVAL_K
    return RetrievalCheck(
        found["held_out_pairs"],
        k,
        before[f"mrr@{k}"],
        after[f"mrr@{k}"],
        before[f"recall@{k}"],
        after[f"recall@{k}"],
        found.get("mrr_change"),
    )


def retrieval_summary(run_id: str) -> str:
    """One line: the held-out retrieval of the baseline and of the fine-tuned model, with the MRR change's interval
    when the run kept one."""
    check = retrieval_check(run_id)
    interval = f" ({check.interval})" if check.interval else ""
    return (
        f"Held-out retrieval ({check.pairs} pairs never trained on): MRR@{check.k} {check.mrr_change}{interval}, "
        f"recall@{check.k} {check.baseline_recall:.3f} → {check.finetuned_recall:.3f} (baseline → fine-tuned)"
    )


def model_zip_bytes(run_id: str) -> bytes:
    """A fine-tuned run's sentence-transformers folder as a zip (load it with ``SentenceTransformer(folder)``)."""
    folder = store.runs_dir() / run_id / "model"
    if not folder.is_dir():
        raise EmbedLabError(f"run '{run_id}' holds no fine-tuned model")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{run_id}/{path.relative_to(folder)}")
    return buffer.getvalue()
