#!/usr/bin/env python
"""Baseline word vectors: ``embedlab.baseline.encode_words`` (OpenVINO, and torch) against raw
``SentenceTransformer.encode``.

Four sides encode the same words (half the bundled MiniLM's own whole words, half pseudo-words it splits into
pieces, as a corpus's frequent and rare words), in one process, interleaved, each with an empty vectors cache:

* raw: ``encode(words, batch_size=512, normalize_embeddings=True)`` of a separately loaded ``SentenceTransformer``
  in torch (the batch size EmbedLab uses);
* torch: ``encode_words(words, backend="torch")``, the path before OpenVINO (words ordered by word pieces, batches
  of at most 2,048 pieces, the sentence-transformer in torch);
* openvino: ``encode_words(words)``, the default: the same batches run by OpenVINO on the ONNX graph exported from
  the bundled model (exported once beforehand; the one-off export is timed on its own), in bfloat16 where the CPU
  has it;
* openvino-f32: the same in float32 (what a CPU without bfloat16 runs).

OpenVINO's vectors must stay within 1e-3 cosine of torch's (both torch sides). Then the disk cache: the second
``encode_words`` of the same vocabulary (what every later page load of the baseline does) vs the first.

torch and OpenVINO are pinned to 2 threads. Usage::

    python bench/baseline_encode.py [--quick] [--repeats R] [--words N]
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

_common.pin_threads()  # before numpy, torch or numba start their thread pools

NAME = "baseline_encode"
ENCODE_GOAL, CACHE_GOAL = 1.05, 0.05
SECONDS_GOAL = 8.0  # the speed issue's goal for 20,000 words on 2 cores
COSINE_GOAL = 1e-3  # OpenVINO's vectors within this cosine distance of torch's


def _words(n: int) -> list[str]:
    """Half MiniLM whole words, half pseudo-words (several WordPieces each), shuffled with a fixed seed."""
    import numpy as np

    from embedlab.spaces import baseline

    whole = list(baseline.whole_word_vocabulary()[: n // 2])
    words = whole + [w for w in _common.pseudo_words(n, seed=11) if w not in set(whole)][: n - len(whole)]
    return [words[i] for i in np.random.default_rng(12).permutation(len(words))]


def _raw_model():
    from sentence_transformers import SentenceTransformer

    from embedlab.spaces import baseline

    return SentenceTransformer(str(baseline.model_path()), device="cpu", local_files_only=True)


def _empty_vectors_cache() -> None:
    """Delete the cached vectors (not the ONNX export: its one-off cost is measured on its own)."""
    from embedlab import store

    for path in store.cache_dir().glob("baseline-*.npy"):
        path.unlink()


def _cosine_gap(a, b) -> float:
    """Largest 1 - cosine between matching rows of two row-normalised matrices."""
    import numpy as np

    return float(np.max(1.0 - np.sum(a.astype(np.float64) * b, axis=1)))


def _export_seconds(words: list[str]) -> tuple[float, float]:
    """The one-off cost in a fresh data folder: (export + compile, then encoding ``words``), in seconds."""
    import time

    from embedlab.spaces import baseline

    baseline.onnx_path().unlink(missing_ok=True)
    baseline._encoder_once.cache_clear()
    _empty_vectors_cache()
    started = time.perf_counter()
    if baseline.openvino_encoder() is None:
        raise SystemExit(f"OpenVINO cannot encode here: {baseline.openvino_problem()}")
    loaded = time.perf_counter()
    baseline.encode_words(words)
    return loaded - started, time.perf_counter() - loaded


def main(argv: list[str] | None = None) -> int:
    parser = _common.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=None, help="vocabulary size (default 20,000; --quick 2,000)")
    args = parser.parse_args(argv)
    n = args.words or (2_000 if args.quick else 20_000)
    repeats = args.repeats or (2 if args.quick else 3)
    import embedlab  # noqa: F401  (offline switches before any Hugging Face import)

    _common.pin_torch()
    import numpy as np

    from embedlab.spaces import baseline

    with _common.scratch_home(NAME):
        words = _words(n)
        raw_model = _raw_model()
        raw_model.encode(words[:512], batch_size=512)  # first calls allocate; no side pays for them
        baseline.encode_words(words[:512], backend="torch")
        export_s, first_encode_s = _export_seconds(words)
        precision = baseline.openvino_precision()
        encoded: dict[str, np.ndarray] = {}

        def raw() -> float:
            return _common.timed(
                lambda: encoded.__setitem__(
                    "raw",
                    raw_model.encode(
                        words, batch_size=512, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
                    ),
                )
            )

        def app(side: str) -> float:
            _empty_vectors_cache()
            baseline.USE_BF16 = side != "openvino-f32"
            try:
                backend = "torch" if side == "torch" else "openvino"
                return _common.timed(lambda: encoded.__setitem__(side, baseline.encode_words(words, backend=backend)))
            finally:
                baseline.USE_BF16 = True

        sides = {"raw": raw, **{side: partial(app, side) for side in ("torch", "openvino", "openvino-f32")}}
        times = _common.interleaved(repeats, sides, label="encode: ")
        second = [_common.timed(lambda: baseline.encode_words(words)) for _ in range(max(3, repeats))]
    gaps = {
        f"{a} vs {b}": _cosine_gap(encoded[a], encoded[b])
        for a, b in (("openvino", "torch"), ("openvino", "raw"), ("openvino-f32", "torch"), ("torch", "raw"))
    }
    raw_s, torch_s, fast_s, f32_s, second_s = (
        _common.median(values)
        for values in (times["raw"], times["torch"], times["openvino"], times["openvino-f32"], second)
    )
    twenty_k = n == 20_000
    seconds_goal = f" and <= {SECONDS_GOAL:.0f} s" if twenty_k else ""
    close = gaps["openvino vs torch"] <= COSINE_GOAL and gaps["openvino vs raw"] <= COSINE_GOAL
    report = _common.Report(NAME, "Baseline word vectors (MiniLM)", _common.command_line("baseline_encode.py"))
    report.rows = [
        _common.Row(
            f"encode {n:,} words: encode_words (OpenVINO, {precision}) vs SentenceTransformer.encode (torch, "
            "batch 512)",
            _common.seconds(raw_s),
            _common.seconds(fast_s),
            fast_s / raw_s,
            f"<= {ENCODE_GOAL:.2f}x{seconds_goal}, within {COSINE_GOAL:g} cosine",
            fast_s <= ENCODE_GOAL * raw_s and close and (not twenty_k or fast_s <= SECONDS_GOAL),
        ),
        _common.Row(
            f"encode {n:,} words: encode_words, OpenVINO ({precision}) vs torch (the path before: same batches)",
            f"torch {_common.seconds(torch_s)}",
            f"openvino {_common.seconds(fast_s)}",
            fast_s / torch_s,
            f"<= 1.00x, largest cosine gap {gaps['openvino vs torch']:.1e} <= {COSINE_GOAL:g}",
            fast_s <= torch_s and gaps["openvino vs torch"] <= COSINE_GOAL,
        ),
        _common.Row(
            f"encode {n:,} words: encode_words, OpenVINO in float32 (a CPU without bfloat16) vs torch",
            f"torch {_common.seconds(torch_s)}",
            f"openvino f32 {_common.seconds(f32_s)}",
            f32_s / torch_s,
            f"<= 1.00x, largest cosine gap {gaps['openvino-f32 vs torch']:.1e} <= {COSINE_GOAL:g}",
            f32_s <= torch_s and gaps["openvino-f32 vs torch"] <= COSINE_GOAL,
        ),
        _common.Row(
            f"baseline vectors for {n:,} words: second request (disk cache) vs first",
            f"first {_common.seconds(fast_s)}",
            f"second {second_s * 1000:.1f} ms",
            second_s / fast_s,
            f"<= {CACHE_GOAL:.2f}x",
            second_s <= CACHE_GOAL * fast_s,
        ),
    ]
    report.notes = [
        f"Median of {repeats} interleaved runs (vectors cache emptied before each encode_words run). Largest "
        "cosine distance (1 - cos) between the sides' vectors: "
        + ", ".join(f"{pair} {gap:.1e}" for pair, gap in gaps.items())
        + f". {n // 2:,} of the words are MiniLM whole words. This CPU: OpenVINO computes in {precision}.",
        f"One-off, in a fresh data folder: exporting the bundled model to ONNX and compiling it took "
        f"{export_s:.1f} s (torch and transformers imported already), then {first_encode_s:.1f} s to encode.",
        "encode_words orders the words by word pieces, most first, before cutting its batches (of at most 2,048 "
        "pieces): encode orders one call's texts by characters, a loose proxy, so its batches pad more.",
    ]
    report.details = {
        "words": n,
        "precision": precision,
        **{side: times[side] for side in sides},
        "second": second,
        "export_seconds": export_s,
        "first_encode_after_export_seconds": first_encode_s,
        "cosine_gaps": gaps,
    }
    report.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
