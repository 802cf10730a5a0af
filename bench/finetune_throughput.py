#!/usr/bin/env python
"""Fine-tuning throughput: EmbedLab's ``finetune._train`` against the raw library on the same pairs.

Three implementations train the bundled all-MiniLM-L6-v2 with in-batch negatives (MultipleNegativesRankingLoss)
on the same (anchor, positive) pairs, batch size, learning rate, number of steps and seed, each from a freshly
loaded model:

* ``embedlab``: ``embedlab.training.finetune._train`` with the job runner's progress writer (SQLite job row), as a
  fine-tuning job runs it;
* ``sentence-transformers``: a plain ``SentenceTransformerTrainer`` + ``MultipleNegativesRankingLoss``, default
  arguments except those that only decide what is written out (no checkpoint, no progress bar), no callbacks;
* ``torch loop``: a hand-written loop (preprocess a batch, a forward for the anchors and one for the positives,
  cross-entropy over scaled cosine similarities, gradient clipping, fused AdamW, linear decay): the floor.

The first step of every run (optimizer state allocation, kernel warm-up) is excluded from the steady-state
figures: timing starts when the second step's loss computation begins and stops when training returns. The
"total" figures include everything after the model is loaded (trainer construction, first step, teardown).

Usage (from the repository root)::

    python bench/finetune_throughput.py [--pairs N] [--batch-size B] [--repeats R] [--device cpu|cuda]

Prints a table and writes the same as JSON to ``bench/results/finetune_throughput.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402  (no thread pinning here: --device cuda runs on machines with more cores)

ROOT = _common.ROOT

SAMPLE = ROOT / "sample_data" / "scipy_docs.csv"
RESULTS = ROOT / "bench" / "results" / "finetune_throughput.json"
BASELINE_ROW = "sentence-transformers"
ROWS = ("embedlab", BASELINE_ROW, "torch loop")
MNRL_SCALE = 20.0  # MultipleNegativesRankingLoss's default scale (= 1 / temperature)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=256, help="training pairs (default 256)")
    parser.add_argument("--batch-size", type=int, default=16, help="pairs per step (default 16)")
    parser.add_argument("--repeats", type=int, default=2, help="runs per implementation; the median is shown")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.batch_size < 2:
        parser.error("--batch-size must be at least 2 (in-batch negatives need a second pair)")
    if args.pairs < 2 * args.batch_size:
        parser.error("--pairs must be at least two batches, so that a step remains after the warm-up step")
    return args


class StepClock:
    """When each training step's loss computation starts, and how many pairs it holds.

    The trainers are timed through :class:`MultipleNegativesRankingLoss.forward` (patched for the whole
    benchmark, so both trainers pay the same ~1 µs per step) and the torch loop calls :meth:`mark` at the same
    point: after the batch is tokenised, before the forward pass.
    """

    def __init__(self, cuda: bool) -> None:
        self.cuda = cuda
        self.starts: list[float] = []
        self.rows: list[int] = []
        self.tokens: list[int] = []  # padded tokens through the model (anchors and positives in one batch)
        self.cpu_at_step_2 = 0.0  # process CPU time (all threads) when the second step starts

    def mark(self, rows: int, tokens: int) -> None:
        if self.cuda and len(self.starts) == 1:  # step 1's queued GPU work belongs to the warm-up step
            import torch

            torch.cuda.synchronize()
        if len(self.starts) == 1:
            self.cpu_at_step_2 = time.process_time()
        self.starts.append(time.perf_counter())
        self.rows.append(rows)
        self.tokens.append(tokens)

    def stop(self) -> tuple[float, float]:
        """Wall-clock and process CPU time at the end of training."""
        if self.cuda:
            import torch

            torch.cuda.synchronize()
        return time.perf_counter(), time.process_time()


_active_clock: StepClock | None = None


def _patch_loss_clock() -> Callable[[], None]:
    """Time every MultipleNegativesRankingLoss forward into the active clock; returns the undo."""
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    original = MultipleNegativesRankingLoss.forward

    def timed_forward(self, sentence_features, labels):
        features = list(sentence_features)
        if _active_clock is not None:
            ids = [f.get("input_ids") for f in features if isinstance(f, dict)]
            rows = int(ids[0].shape[0]) if ids and ids[0] is not None else 0
            # With two columns the library runs one forward per column, each padded to its own width.
            _active_clock.mark(rows, sum(int(i.numel()) for i in ids if i is not None))
        return original(self, features, labels)

    MultipleNegativesRankingLoss.forward = timed_forward
    return lambda: setattr(MultipleNegativesRankingLoss, "forward", original)


# ---------------------------------------------------------------------------------------------------- inputs


def _build_pairs(n_pairs: int, batch_size: int, seed: int):
    """Ingest the sample corpus into the (temporary) EMBEDLAB_HOME and make the training pairs once."""
    from embedlab import training
    from embedlab.corpus import ReadOptions, build_corpus

    corpus = build_corpus(SAMPLE.name, SAMPLE.read_bytes(), ReadOptions(text_column="text", label_column="label"))
    config = training.FinetuneConfig(max_pairs=n_pairs, batch_size=batch_size, seed=seed)
    pairs = training.make_pairs(corpus, config)
    return corpus, config, pairs.train


def _load_model(device: str):
    from sentence_transformers import SentenceTransformer

    from embedlab.spaces import baseline

    return SentenceTransformer(str(baseline.model_path()), device=device, local_files_only=True)


def _preprocess(model, texts: list[str]) -> dict:
    # ``tokenize`` is deprecated in sentence-transformers 6 in favour of ``preprocess`` (same output).
    return model.preprocess(texts) if hasattr(model, "preprocess") else model.tokenize(texts)


def _to_device(features: dict, device: str) -> dict:
    import torch

    return {k: v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v for k, v in features.items()}


def _mnrl(anchors, positives, scale: float = MNRL_SCALE):
    """In-batch negatives: cross-entropy over scaled cosine similarities, the i-th positive is the answer."""
    import torch
    import torch.nn.functional as F

    scores = F.normalize(anchors.float(), dim=-1) @ F.normalize(positives.float(), dim=-1).T * scale
    return F.cross_entropy(scores, torch.arange(len(anchors), device=anchors.device))


def _amp_dtype(device: str):
    import torch

    if device != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def _check_loss_and_warm_up(pairs, batch_size: int, device: str) -> float:
    """Process-wide warm-up (first kernels, allocator, tokenizer) and a check that the hand-written loss is
    sentence-transformers' MultipleNegativesRankingLoss; returns the absolute difference of the two."""
    import torch
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    model = _load_model(device)
    model.eval()  # no dropout, so both losses see the same embeddings
    batch = pairs[:batch_size]
    anchors, positives = (_to_device(_preprocess(model, [pair[c] for pair in batch]), device) for c in (0, 1))
    with torch.no_grad():
        library = MultipleNegativesRankingLoss(model)([anchors, positives], None)
        mine = _mnrl(model(dict(anchors))["sentence_embedding"], model(dict(positives))["sentence_embedding"])
    difference = abs(float(library) - float(mine))
    if difference > 1e-4:
        raise AssertionError(f"hand-written MNRL {float(mine):.6f} != library {float(library):.6f}")
    model.train()
    mine = _mnrl(model(dict(anchors))["sentence_embedding"], model(dict(positives))["sentence_embedding"])
    mine.backward()
    del model
    return difference


# ------------------------------------------------------------------------------------------ implementations


def _job_progress_writer(corpus_id: str, config) -> tuple[Callable, str]:
    """The job runner's progress callback, writing to a real job row as a fine-tuning job does."""
    try:
        from embedlab import store
        from embedlab.training import jobs

        job_id = store.new_id("job")
        store.add_job(job_id, corpus_id, config.to_dict(), config.epochs)
        return jobs._progress_writer(job_id), "embedlab.training.jobs._progress_writer (SQLite job row)"
    except Exception as error:  # jobs.py moves under us; measure with a callback of the same shape
        seen = []
        return seen.append, f"list.append (job runner writer unavailable: {type(error).__name__}: {error})"


def _run_embedlab(model, pairs, args, workdir: Path, progress: Callable) -> None:
    from embedlab import training
    from embedlab.training import finetune

    config = training.FinetuneConfig(max_pairs=args.pairs, batch_size=args.batch_size, seed=args.seed)
    finetune._train(model, pairs, config, workdir, progress)


def _run_plain_trainer(model, pairs, args, workdir: Path, max_steps: int, learning_rate: float) -> None:
    import torch
    from datasets import Dataset
    from sentence_transformers import SentenceTransformerTrainer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from sentence_transformers.sentence_transformer.training_args import SentenceTransformerTrainingArguments

    amp = _amp_dtype(args.device)
    training_args = SentenceTransformerTrainingArguments(
        output_dir=str(workdir),
        per_device_train_batch_size=args.batch_size,
        max_steps=max_steps,
        learning_rate=learning_rate,
        seed=args.seed,
        use_cpu=args.device == "cpu",
        bf16=amp is torch.bfloat16,
        fp16=amp is torch.float16,
        # Output only: the default would write a checkpoint at the last step and draw a progress bar.
        save_strategy="no",
        disable_tqdm=True,
    )
    dataset = Dataset.from_dict({"anchor": [a for a, _ in pairs], "positive": [p for _, p in pairs]})
    trainer = SentenceTransformerTrainer(
        model=model, args=training_args, train_dataset=dataset, loss=MultipleNegativesRankingLoss(model)
    )
    trainer.train()


def _run_torch_loop(model, pairs, args, clock: StepClock, max_steps: int, learning_rate: float) -> None:
    import torch

    device, amp = args.device, _amp_dtype(args.device)
    torch.manual_seed(args.seed)
    model.train()
    parameters = [p for p in model.parameters() if p.requires_grad]
    # Same optimizer and schedule as the trainer's defaults: fused AdamW, weight decay 0, linear decay to 0.
    try:
        optimizer = torch.optim.AdamW(parameters, lr=learning_rate, weight_decay=0.0, fused=True)
    except (RuntimeError, TypeError):
        optimizer = torch.optim.AdamW(parameters, lr=learning_rate, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(0.0, (max_steps - step) / max_steps))
    scaler = torch.amp.GradScaler("cuda") if amp is torch.float16 else None
    order = torch.randperm(len(pairs), generator=torch.Generator().manual_seed(args.seed)).tolist()
    step = 0
    while step < max_steps:
        for start in range(0, len(order), args.batch_size):
            if step >= max_steps:
                break
            batch = [pairs[i] for i in order[start : start + args.batch_size]]
            # One forward per column, each padded to its own longest text, as the library's MNRL does with two
            # columns (sentence-transformers 6 merges only candidate columns, never the anchors).
            columns = [_to_device(_preprocess(model, [pair[c] for pair in batch]), device) for c in (0, 1)]
            clock.mark(len(batch), sum(int(f["input_ids"].numel()) for f in columns))
            with torch.autocast(device_type=device, dtype=amp, enabled=amp is not None):
                anchors, positives = (model(f)["sentence_embedding"] for f in columns)
            loss = _mnrl(anchors, positives)
            optimizer.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(parameters, 1.0)
                scaler.step(optimizer)
                scaler.update()
            else:
                loss.backward()
                torch.nn.utils.clip_grad_norm_(parameters, 1.0)
                optimizer.step()
            schedule.step()
            step += 1


def _one_run(
    name: str, pairs, args, work: Path, progress: Callable, max_steps: int, learning_rate: float
) -> dict[str, Any]:
    """Load a fresh model, train it with one implementation, and time it."""
    global _active_clock
    import torch

    cuda = args.device == "cuda"
    loaded = time.perf_counter()
    model = _load_model(args.device)
    load_seconds = time.perf_counter() - loaded
    if cuda:
        torch.cuda.reset_peak_memory_stats()
        torch.cuda.synchronize()
    clock = _active_clock = StepClock(cuda)
    workdir = Path(tempfile.mkdtemp(prefix=name.replace(" ", "-") + "-", dir=work))
    load_before = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        if name == "embedlab":
            _run_embedlab(model, pairs, args, workdir, progress)
        elif name == BASELINE_ROW:
            _run_plain_trainer(model, pairs, args, workdir, max_steps, learning_rate)
        else:
            _run_torch_loop(model, pairs, args, clock, max_steps, learning_rate)
        ended, cpu_ended = clock.stop()
    finally:
        _active_clock = None
    peak_mib = torch.cuda.max_memory_allocated() / 2**20 if cuda else None
    del model
    gc.collect()
    if cuda:
        torch.cuda.empty_cache()
    shutil.rmtree(workdir, ignore_errors=True)
    if len(clock.starts) < 2:
        raise RuntimeError(f"{name}: {len(clock.starts)} timed steps; the loss clock did not see the training")
    steady_pairs = sum(clock.rows[1:])
    steady_seconds = ended - clock.starts[1]
    total_seconds = ended - started
    return {
        "steps": len(clock.starts),
        "pairs": sum(clock.rows),
        "load_seconds": round(load_seconds, 4),
        "steady_pairs": steady_pairs,
        "steady_seconds": round(steady_seconds, 4),
        "steady_pairs_per_second": round(steady_pairs / steady_seconds, 3),
        "steady_cpu_seconds": round(cpu_ended - clock.cpu_at_step_2, 4),
        "steady_tokens": sum(clock.tokens[1:]),
        "steady_tokens_per_second": round(sum(clock.tokens[1:]) / steady_seconds, 1),
        "first_step_seconds": round(clock.starts[1] - clock.starts[0], 4),
        "total_seconds": round(total_seconds, 4),
        "total_cpu_seconds": round(cpu_ended - cpu_started, 4),
        "total_pairs_per_second": round(sum(clock.rows) / total_seconds, 3),
        "peak_gpu_mib": round(peak_mib, 1) if peak_mib is not None else None,
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


# ------------------------------------------------------------------------------------------------ reporting


def _environment(device: str) -> dict[str, Any]:
    import sentence_transformers
    import torch
    import transformers

    return {
        "device": device,
        "torch": torch.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "cpu": _common.cpu_name(),
        "gpu": torch.cuda.get_device_name(0) if device == "cuda" else None,
        "amp": str(_amp_dtype(device)).replace("torch.", "") if device == "cuda" else None,
    }


def _summarise(runs: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    summary = {}
    for name, results in runs.items():
        summary[name] = {
            key: statistics.median(r[key] for r in results)
            for key in (
                "steady_pairs_per_second",
                "steady_seconds",
                "steady_cpu_seconds",
                "total_seconds",
                "total_pairs_per_second",
                "total_cpu_seconds",
                "first_step_seconds",
                "load_seconds",
                "steady_tokens_per_second",
            )
        }
        summary[name]["pairs"] = results[0]["pairs"]
        summary[name]["steady_pairs"] = results[0]["steady_pairs"]
        summary[name]["steady_tokens"] = results[0]["steady_tokens"]
        summary[name]["steps"] = results[0]["steps"]
        peaks = [r["peak_gpu_mib"] for r in results if r["peak_gpu_mib"] is not None]
        summary[name]["peak_gpu_mib"] = max(peaks) if peaks else None
    base = summary[BASELINE_ROW]
    for row in summary.values():
        row["ratio"] = round(row["steady_pairs_per_second"] / base["steady_pairs_per_second"], 3)
        row["total_ratio"] = round(row["total_pairs_per_second"] / base["total_pairs_per_second"], 3)
        # CPU seconds per steady pair, relative: > 1 means less CPU work per pair than the plain trainer.
        row["cpu_ratio"] = round(
            (base["steady_cpu_seconds"] / base["steady_pairs"]) / (row["steady_cpu_seconds"] / row["steady_pairs"]), 3
        )
    return summary


def _table(summary: dict[str, dict[str, Any]], cuda: bool) -> str:
    header = [
        "implementation",
        "pairs/s",
        "seconds",
        "ratio",
        "tokens/s",
        "CPU s",
        "CPU ratio",
        "total s",
        "total ratio",
        "first step s",
    ] + (["peak GPU MiB"] if cuda else [])
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|",
    ]
    for name, row in summary.items():
        cells = [
            name,
            f"{row['steady_pairs_per_second']:.1f}",
            f"{row['steady_seconds']:.2f}",
            f"{row['ratio']:.2f}",
            f"{row['steady_tokens_per_second']:.0f}",
            f"{row['steady_cpu_seconds']:.2f}",
            f"{row['cpu_ratio']:.2f}",
            f"{row['total_seconds']:.2f}",
            f"{row['total_ratio']:.2f}",
            f"{row['first_step_seconds']:.2f}",
        ]
        if cuda:
            cells.append(f"{row['peak_gpu_mib']:.0f}" if row["peak_gpu_mib"] is not None else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.device == "cpu":
        # Before torch is imported: _train picks CUDA whenever it is visible, whatever the model's device.
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    work = Path(tempfile.mkdtemp(prefix="embedlab-bench-"))
    os.environ["EMBEDLAB_HOME"] = str(work / "home")  # never touch ~/.embedlab
    restore_loss = None
    try:
        import torch
        from transformers.utils import logging as hf_logging

        import embedlab  # noqa: F401  (offline switches before any Hugging Face import)

        hf_logging.disable_progress_bar()  # "Loading weights" bars, once per fresh model
        load_at_start = os.getloadavg()[0]

        if args.device == "cuda" and not torch.cuda.is_available():
            print("--device cuda: no CUDA device is visible to torch", file=sys.stderr)
            return 2
        from embedlab import training

        corpus, config, pairs = _build_pairs(args.pairs, args.batch_size, args.seed)
        max_steps = max(1, math.ceil(len(pairs) / config.batch_size) * config.epochs)  # as _train computes it
        environment = _environment(args.device)
        print(
            f"{len(pairs)} pairs from {SAMPLE.name}, batch {args.batch_size}, {max_steps} steps, "
            f"lr {config.learning_rate}, seed {args.seed}, {args.repeats} repeat(s)",
            flush=True,
        )
        print(
            "device {device}, torch {torch}, sentence-transformers {sentence_transformers}, transformers "
            "{transformers}, {torch_threads} torch thread(s), CPU {cpu}".format(**environment)
            + (f", GPU {environment['gpu']} ({environment['amp']} autocast)" if environment["gpu"] else ""),
            flush=True,
        )
        loss_difference = _check_loss_and_warm_up(pairs, args.batch_size, args.device)
        restore_loss = _patch_loss_clock()
        progress, progress_kind = _job_progress_writer(corpus.id, config)
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in ROWS}
        for repeat in range(args.repeats):
            for name in ROWS:  # interleaved, so drift (thermal, page cache) hits every row alike
                result = _one_run(name, pairs, args, work, progress, max_steps, config.learning_rate)
                runs[name].append(result)
                print(
                    f"  repeat {repeat + 1} {name:>21}: {result['steady_pairs_per_second']:7.1f} pairs/s "
                    f"steady, {result['total_seconds']:6.2f} s total, {result['steps']} steps, "
                    f"{result['pairs']} pairs, load {result['load_average_1min'][0]:.1f}",
                    flush=True,
                )
        summary = _summarise(runs)
        table = _table(summary, args.device == "cuda")
        print()
        print(table)
        print(
            "\npairs/s, seconds, ratio, CPU s: steps 2..N (warm-up step excluded), median of repeats; ratio = "
            f"pairs/s / {BASELINE_ROW}'s; CPU ratio = its CPU seconds per pair / this row's (> 1: less work). "
            "total: from the loaded model to training's return, all steps."
        )
        print(
            f"1-minute load average: {load_at_start:.1f} at start, {os.getloadavg()[0]:.1f} at end "
            f"({os.cpu_count()} CPUs); above the CPU count, other processes took part of the time."
        )
        report = {
            "benchmark": "finetune_throughput",
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "command": " ".join(["python", "bench/finetune_throughput.py", *(sys.argv[1:] if argv is None else argv)]),
            "settings": {
                "pairs": len(pairs),
                "pairs_asked": args.pairs,
                "batch_size": args.batch_size,
                "max_steps": max_steps,
                "learning_rate": config.learning_rate,
                "seed": args.seed,
                "repeats": args.repeats,
                "corpus": SAMPLE.name,
                "embedlab_progress": progress_kind,
                "embedlab_finetune_default_config": training.FinetuneConfig().to_dict(),
            },
            "environment": environment,
            "loss_check_abs_difference": loss_difference,
            "load_average_1min": {"start": load_at_start, "end": os.getloadavg()[0]},
            "summary": summary,
            "runs": runs,
            "table": table,
        }
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.output}")
        return 0
    finally:
        if restore_loss is not None:
            restore_loss()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
