#!/usr/bin/env python
"""A big pretrained vectors file read with "keep the N most frequent words": embedlab's streaming reader against
gensim's ``KeyedVectors.load_word2vec_format(limit=N)`` on the same file.

The file is GloVe text (no header, as ``glove.840B.300d.txt``) of W words, many times what is kept. Each side runs
in its own process:

* ``raw``: ``KeyedVectors.load_word2vec_format(path, no_header=True, limit=N)``. gensim reads a headerless file
  twice (once to count its lines, then the vectors), so it pays for the whole file even with a limit;
* ``app``: ``embedlab.spaces.read_vectors(path, limit=N)``: the first N lines, checked and named;
* ``register``: ``register_vectors_path(path, limit=N)``: that read, plus storing what is kept as word2vec binary.

Goals: app wall <= gensim's, peak memory <= 1.5x gensim's; memory grows with N, not with the file (a read of the
same N words from a file four times larger peaks within 10% as high). Usage::

    python bench/vectors_limit.py [--quick] [--repeats R]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

_common.pin_threads()  # before numpy, torch or numba start their thread pools

NAME = "vectors_limit"
SCRIPT = Path(__file__).resolve()
DIM = 300


def _traced(call) -> tuple[object, float]:
    """``call()`` and the peak of memory allocated meanwhile, in MiB (tracemalloc: numpy's arrays included). A
    child's ru_maxrss cannot tell: it keeps the parent's high-water mark across fork and exec."""
    import tracemalloc

    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _measured(call, traced: bool) -> tuple[object, float]:
    """``call()`` and, when ``traced``, its peak allocation (tracing slows it: time and memory are separate runs)."""
    return _traced(call) if traced else (call(), 0.0)


def _raw_side(args: list[str]) -> dict:
    from gensim.models import KeyedVectors

    headerless = not args[0].endswith(".vec")
    kv, peak = _measured(
        lambda: KeyedVectors.load_word2vec_format(args[0], no_header=headerless, limit=int(args[1])),
        args[2:] == ["trace"],
    )
    return {"words": len(kv), "dim": kv.vector_size, "traced_mib": peak}


def _app_side(args: list[str]) -> dict:
    from embedlab.spaces import read_vectors

    found, peak = _measured(lambda: read_vectors(args[0], limit=int(args[1])), args[2:] == ["trace"])
    return {"words": len(found), "dim": found.dim, "traced_mib": peak}


def _register_side(args: list[str]) -> dict:
    import os
    import tempfile

    os.environ["EMBEDLAB_HOME"] = tempfile.mkdtemp(dir=Path(args[0]).parent)
    from embedlab.spaces import register_vectors_path

    added, peak = _measured(lambda: register_vectors_path(args[0], limit=int(args[1])), args[2:] == ["trace"])
    return {"words": added.words, "dim": added.dim, "traced_mib": peak}


def _write_glove(path: Path, words: int, seed: int = 0) -> None:
    """GloVe text with ``words`` lines of DIM numbers (5 decimals, as the GloVe files print them)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    template = " ".join(["%.5f"] * DIM)
    with path.open("w", encoding="utf-8") as handle:
        for start in range(0, words, 10_000):
            block = rng.normal(scale=0.4, size=(min(10_000, words - start), DIM))
            handle.write("".join(f"w{start + i} {template % tuple(row)}\n" for i, row in enumerate(block.tolist())))


def main(argv: list[str] | None = None) -> int:
    if _common.side_main({"raw": _raw_side, "app": _app_side, "register": _register_side}, argv):
        return 0
    args = _common.parser(__doc__.split("\n\n")[0]).parse_args(argv)
    total, kept = (40_000, 5_000) if args.quick else (160_000, 20_000)
    repeats = args.repeats or 3
    with _common.scratch_home(NAME) as work:
        big, small = work / "big.glove.txt", work / "small.glove.txt"
        _write_glove(big, total)
        _write_glove(small, total // 4)
        size_mib = big.stat().st_size / 2**20
        print(f"file: {size_mib:,.0f} MiB, {total:,} words x {DIM}; keeping {kept:,}", flush=True)
        sides = _common.interleaved(
            repeats,
            {
                "raw": lambda: _common.run_side(SCRIPT, "raw", str(big), str(kept)),
                "app": lambda: _common.run_side(SCRIPT, "app", str(big), str(kept)),
                "register": lambda: _common.run_side(SCRIPT, "register", str(big), str(kept)),
            },
        )
        vec = work / "big.vec"
        with vec.open("wb") as out, big.open("rb") as glove:
            out.write(f"{total} {DIM}\n".encode())
            out.write(glove.read())
        vec_sides = _common.interleaved(
            repeats,
            {
                "raw": lambda: _common.run_side(SCRIPT, "raw", str(vec), str(kept)),
                "app": lambda: _common.run_side(SCRIPT, "app", str(vec), str(kept)),
            },
            label=".vec ",
        )
        traced = {name: _common.run_side(SCRIPT, name, str(big), str(kept), "trace") for name in sides}
        small_app = _common.run_side(SCRIPT, "app", str(small), str(kept), "trace")
        floor = _common.run_side(SCRIPT, "app", str(small), "1", "trace")
    raw_s, app_s, reg_s = (_common.median([s.seconds for s in sides[n]]) for n in ("raw", "app", "register"))
    raw_peak, app_peak, reg_peak = (traced[name].output["traced_mib"] for name in ("raw", "app", "register"))
    small_peak = small_app.output["traced_mib"]
    vec_raw, vec_app = (_common.median([s.seconds for s in vec_sides[n]]) for n in ("raw", "app"))
    assert all(s.output["words"] == kept for name in sides for s in sides[name])
    step = f"first {kept:,} of {total:,} words x {DIM} (GloVe text, {size_mib:,.0f} MiB)"
    report = _common.Report(NAME, "Pretrained vectors with a limit", _common.command_line("vectors_limit.py"))
    report.rows = [
        _common.Row(
            f"{step}: read_vectors vs gensim load_word2vec_format(limit=N): wall",
            _common.seconds(raw_s),
            _common.seconds(app_s),
            app_s / raw_s,
            "<= 1.0x",
            app_s <= raw_s,
        ),
        _common.Row(
            "the same as word2vec text with a header (fastText .vec): read_vectors vs gensim (limit=N): wall",
            _common.seconds(vec_raw),
            _common.seconds(vec_app),
            vec_app / vec_raw,
            "<= 1.25x",
            vec_app <= 1.25 * vec_raw,
        ),
        _common.Row(
            f"{step}: register_vectors_path (read + store as binary) vs gensim: wall",
            _common.seconds(raw_s),
            _common.seconds(reg_s),
            reg_s / raw_s,
            "—",
            None,
        ),
        _common.Row(
            f"{step}: peak memory allocated while reading, gensim vs read_vectors",
            f"{raw_peak:,.1f} MiB",
            f"{app_peak:,.1f} MiB",
            app_peak / raw_peak,
            "<= 1.5x",
            app_peak <= 1.5 * raw_peak,
        ),
        _common.Row(
            f"{step}: read_vectors peak memory, a file a quarter this size vs this one (same N)",
            f"{small_peak:,.1f} MiB",
            f"{app_peak:,.1f} MiB",
            app_peak / small_peak,
            "<= 1.10x",
            app_peak <= 1.10 * small_peak,
        ),
    ]
    report.notes = [
        f"Times: median of {repeats} interleaved runs, each side in its own process. Memory: one more run per side "
        "under tracemalloc (which slows it), the peak during the call (numpy arrays included; "
        f"{floor.output['traced_mib']:,.2f} MiB when keeping 1 word). What is kept: "
        f"{kept * DIM * 4 / 2**20:,.1f} MiB of float32.",
        f"register_vectors_path peak {reg_peak:,.1f} MiB (the read, then the kept rows written as binary).",
        "gensim's no_header mode counts every line of the file before reading the first N; embedlab reads the "
        "first N lines only, so its time and memory do not grow with the file. With a header (.vec) both read the "
        "first N lines only; the times are each process's whole life, imports included.",
    ]
    report.details = {
        "total_words": total,
        "kept": kept,
        "megabytes": size_mib,
        **{name: [vars(s) for s in sides[name]] for name in sides},
        "vec": {name: [vars(s) for s in vec_sides[name]] for name in vec_sides},
        "traced": {name: vars(side) for name, side in traced.items()},
        "small_app": vars(small_app),
        "floor": vars(floor),
    }
    report.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
