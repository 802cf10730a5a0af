#!/usr/bin/env python
"""Baseline word vectors: ``embedlab.baseline.encode_words`` (ONNX Runtime, and torch) against raw
``SentenceTransformer.encode``.

Three sides encode the same words (half the bundled MiniLM's own whole words, half pseudo-words it splits into
pieces, as a corpus's frequent and rare words), in one process, interleaved, each with an empty vectors cache:

* raw: ``encode(words, batch_size=512, normalize_embeddings=True)`` of a separately loaded ``SentenceTransformer``
  in torch (the batch size EmbedLab uses);
* torch: ``encode_words(words, backend="torch")``, the path before ONNX (words ordered by word pieces, batches of
  at most 2,048 pieces, the sentence-transformer in torch);
* onnx: ``encode_words(words)``, the default: the same batches run by ONNX Runtime on the graph exported from the
  bundled model (exported once beforehand; the one-off export is timed on its own).

The ONNX vectors must stay within 1e-3 cosine of torch's (both sides). Then the disk cache: the second
``encode_words`` of the same vocabulary (what every later page load of the baseline does) vs the first.

torch and ONNX Runtime are pinned to 2 threads. Usage::

    python bench/baseline_encode.py [--quick] [--repeats R] [--words N]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

_common.pin_threads()  # before numpy, torch or numba start their thread pools

NAME = "baseline_encode"
ENCODE_GOAL, CACHE_GOAL = 1.05, 0.05
SECONDS_GOAL = 8.0  # the speed issue's goal for 20,000 words on 2 cores
COSINE_GOAL = 1e-3  # ONNX vectors within this cosine distance of torch's


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
    """The one-off cost in a fresh data folder: (export + session load, then encoding ``words``), in seconds."""
    import time

    from embedlab.spaces import baseline

    baseline.onnx_path().unlink(missing_ok=True)
    baseline._onnx_encoder_once.cache_clear()
    _empty_vectors_cache()
    started = time.perf_counter()
    if baseline.onnx_encoder() is None:
        raise SystemExit(f"ONNX Runtime cannot encode here: {baseline.onnx_problem()}")
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

        def app(backend) -> float:
            _empty_vectors_cache()
            return _common.timed(lambda: encoded.__setitem__(backend, baseline.encode_words(words, backend=backend)))

        times = _common.interleaved(
            repeats, {"raw": raw, "torch": lambda: app("torch"), "onnx": lambda: app("onnx")}, label="encode: "
        )
        second = [_common.timed(lambda: baseline.encode_words(words)) for _ in range(max(3, repeats))]
    gap_torch = _cosine_gap(encoded["onnx"], encoded["torch"])
    gap_raw = _cosine_gap(encoded["onnx"], encoded["raw"])
    gap_today = _cosine_gap(encoded["torch"], encoded["raw"])
    raw_s, torch_s, onnx_s, second_s = (
        _common.median(values) for values in (times["raw"], times["torch"], times["onnx"], second)
    )
    twenty_k = n == 20_000
    seconds_goal = f" and <= {SECONDS_GOAL:.0f} s" if twenty_k else ""
    close = gap_torch <= COSINE_GOAL and gap_raw <= COSINE_GOAL
    report = _common.Report(NAME, "Baseline word vectors (MiniLM)", _common.command_line("baseline_encode.py"))
    report.rows = [
        _common.Row(
            f"encode {n:,} words: encode_words (ONNX Runtime) vs SentenceTransformer.encode (torch, batch 512)",
            _common.seconds(raw_s),
            _common.seconds(onnx_s),
            onnx_s / raw_s,
            f"<= {ENCODE_GOAL:.2f}x{seconds_goal}, within {COSINE_GOAL:g} cosine",
            onnx_s <= ENCODE_GOAL * raw_s and close and (not twenty_k or onnx_s <= SECONDS_GOAL),
        ),
        _common.Row(
            f"encode {n:,} words: encode_words, ONNX Runtime vs torch (the path before: same batches)",
            f"torch {_common.seconds(torch_s)}",
            f"onnx {_common.seconds(onnx_s)}",
            onnx_s / torch_s,
            f"<= 1.00x, largest cosine gap {gap_torch:.1e} <= {COSINE_GOAL:g}",
            onnx_s <= torch_s and gap_torch <= COSINE_GOAL,
        ),
        _common.Row(
            f"baseline vectors for {n:,} words: second request (disk cache) vs first",
            f"first {_common.seconds(onnx_s)}",
            f"second {second_s * 1000:.1f} ms",
            second_s / onnx_s,
            f"<= {CACHE_GOAL:.2f}x",
            second_s <= CACHE_GOAL * onnx_s,
        ),
    ]
    report.notes = [
        f"Median of {repeats} interleaved runs (vectors cache emptied before each encode_words run). Largest "
        f"cosine distance (1 - cos) between the sides' vectors: ONNX vs torch path {gap_torch:.1e}, ONNX vs raw "
        f"{gap_raw:.1e}, torch path vs raw {gap_today:.1e}. {n // 2:,} of the words are MiniLM whole words.",
        f"One-off, in a fresh data folder: exporting the bundled model to ONNX and loading the session took "
        f"{export_s:.1f} s (torch and transformers imported already), then {first_encode_s:.1f} s to encode.",
        "encode_words orders the words by word pieces, most first, before cutting its batches (of at most 2,048 "
        "pieces): encode orders one call's texts by characters, a loose proxy, so its batches pad more.",
    ]
    report.details = {
        "words": n,
        "raw": times["raw"],
        "torch": times["torch"],
        "onnx": times["onnx"],
        "second": second,
        "export_seconds": export_s,
        "first_encode_after_export_seconds": first_encode_s,
        "cosine_gap_onnx_torch": gap_torch,
        "cosine_gap_onnx_raw": gap_raw,
        "cosine_gap_torch_raw": gap_today,
    }
    report.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
