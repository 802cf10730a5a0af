#!/usr/bin/env python
"""Baseline word vectors: ``embedlab.baseline.encode_words`` against raw ``SentenceTransformer.encode``.

Two steps on the same words (half the bundled MiniLM's own whole words, half pseudo-words it splits into
pieces, as a corpus's frequent and rare words), in one process, interleaved:

* encoding: ``encode_words`` with an empty disk cache vs ``encode(words, batch_size=512,
  normalize_embeddings=True)`` of a separately loaded ``SentenceTransformer`` (the batch size EmbedLab uses);
  the vectors must agree;
* disk cache: the second ``encode_words`` of the same vocabulary (what every later page load of the baseline
  does) vs the first.

torch is pinned to 2 threads. Usage::

    python bench/baseline_encode.py [--quick] [--repeats R] [--words N]
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

_common.pin_threads()  # before numpy, torch or numba start their thread pools

NAME = "baseline_encode"
ENCODE_GOAL, CACHE_GOAL = 1.05, 0.05


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


def main(argv: list[str] | None = None) -> int:
    parser = _common.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=None, help="vocabulary size (default 20,000; --quick 2,000)")
    args = parser.parse_args(argv)
    n = args.words or (2_000 if args.quick else 20_000)
    repeats = args.repeats or (2 if args.quick else 3)
    import embedlab  # noqa: F401  (offline switches before any Hugging Face import)

    _common.pin_torch()
    import numpy as np

    from embedlab import store
    from embedlab.spaces import baseline

    with _common.scratch_home(NAME):
        words = _words(n)
        raw_model = _raw_model()
        raw_model.encode(words[:512], batch_size=512)  # first calls allocate; neither side pays for them
        baseline.encode_words(words[:512])
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

        def app_first() -> float:
            shutil.rmtree(store.cache_dir(), ignore_errors=True)
            return _common.timed(lambda: encoded.__setitem__("app", baseline.encode_words(words)))

        times = _common.interleaved(repeats, {"raw": raw, "app": app_first}, label="encode: ")
        second = [_common.timed(lambda: baseline.encode_words(words)) for _ in range(max(3, repeats))]
    difference = float(np.abs(encoded["raw"] - encoded["app"]).max())
    raw_s, first_s, second_s = (_common.median(values) for values in (times["raw"], times["app"], second))
    report = _common.Report(NAME, "Baseline word vectors (MiniLM)", _common.command_line("baseline_encode.py"))
    report.rows = [
        _common.Row(
            f"encode {n:,} words, batch 512: encode_words vs SentenceTransformer.encode",
            _common.seconds(raw_s),
            _common.seconds(first_s),
            first_s / raw_s,
            f"<= {ENCODE_GOAL:.2f}x",
            first_s <= ENCODE_GOAL * raw_s and difference < 1e-4,
        ),
        _common.Row(
            f"baseline vectors for {n:,} words: second request (disk cache) vs first",
            f"first {_common.seconds(first_s)}",
            f"second {second_s * 1000:.1f} ms",
            second_s / first_s,
            f"<= {CACHE_GOAL:.2f}x",
            second_s <= CACHE_GOAL * first_s,
        ),
    ]
    report.notes = [
        f"Median of {repeats} interleaved runs (cache emptied before each app run); the largest difference "
        f"between the two sides' vectors is {difference:.1e}. {n // 2:,} of the words are MiniLM whole words.",
        "encode_words orders the words by word pieces, most first, before cutting its batches (of at most 2,048 "
        "pieces): encode orders one call's texts by characters, a loose proxy, so its batches pad more.",
    ]
    report.details = {
        "words": n,
        "raw": times["raw"],
        "first": times["app"],
        "second": second,
        "max_abs_difference": difference,
    }
    report.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
