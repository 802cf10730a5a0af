#!/usr/bin/env python
"""Run every benchmark and print one table of all their steps against the goals.

Each benchmark runs in its own process (threads pinned to 2), one after the other, and writes
``bench/results/<name>.md`` and ``.json``; the 2 x 200,000-point map is measured by the browser test
(tests/test_e2e_browser.py). The combined table goes to ``bench/results/summary.md``. Usage::

    python bench/run_all.py [--quick] [--only NAME ...]

About 25 minutes on 2 cores, plus about an hour for ``verdict_scale`` (its 3.3M-token corpus: MiniLM encoding
128,000 documents for the raw side); ``--quick`` (smaller sizes; verdict_scale on its labelled corpus only) about
15.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

_common.pin_threads()  # before numpy, torch or numba start their thread pools

BENCHMARKS = (
    "train_path",
    "ingest",
    "segmentation",
    "compare_speed",
    "baseline_encode",
    "umap_speed",
    "browser_views",
    "idle_cpu",
    "compare_after_finetune",
    "report_build",
    "vectors_limit",
    "noise_floor",
    "verdict_speed",
    "verdict_scale",
    "first_answers",
    "map_changes",
    "domain_shift",
    "seed_claims",
    "ray_cluster",
)
MAP_TEST = "tests/test_e2e_browser.py::test_a_200k_point_map_draws_and_hovers_without_freezing"
PAINT_GOAL_MS, HOVER_GOAL_MS = 5_000, 100  # the speed issue's goals for 2 x 200,000 points


def _run_benchmark(name: str, quick: bool, repeats: int | None) -> tuple[list[_common.Row], str]:
    """Run one benchmark script; returns its rows (read back from its JSON) and a failure message if any."""
    command = [
        sys.executable,
        str(_common.ROOT / "bench" / f"{name}.py"),
        *(["--quick"] if quick else []),
        *(["--repeats", str(repeats)] if repeats else []),
    ]
    print(f"\n=== {name} ===", flush=True)
    started = time.perf_counter()
    finished = subprocess.run(command, cwd=_common.ROOT)
    print(f"=== {name}: {time.perf_counter() - started:.0f} s ===", flush=True)
    if finished.returncode != 0:
        return [], f"{name} exited with {finished.returncode}"
    data = json.loads((_common.RESULTS / f"{name}.json").read_text(encoding="utf-8"))
    return [_common.Row(**row) for row in data["rows"]], ""


def _map_test_row() -> tuple[list[_common.Row], str]:
    """The browser test's 2 x 200,000-point map: time to first paint and to a hover label, against the goals."""
    print("\n=== browser test: 200k-point maps ===", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        timings = Path(folder) / "map.json"
        finished = subprocess.run(
            [sys.executable, "-m", "pytest", MAP_TEST, "-q", "-s", "-p", "no:cacheprovider"],
            cwd=_common.ROOT,
            env={**os.environ, "EMBEDLAB_MAP_TIMINGS": str(timings)},
        )
        if not timings.exists():
            return [], f"the 200k-point map test did not measure (exit {finished.returncode})"
        data = json.loads(timings.read_text())
    row = _common.Row(
        f"browser: 2 x {data['points']:,}-point map draws and hovers",
        "—",
        f"paint {data['first_paint_ms']:,.0f} ms, hover {data['hover_ms']:,.0f} ms",
        None,
        f"paint < {PAINT_GOAL_MS / 1000:.0f} s, hover < {HOVER_GOAL_MS} ms (and the test passes)",
        finished.returncode == 0 and data["first_paint_ms"] < PAINT_GOAL_MS and data["hover_ms"] < HOVER_GOAL_MS,
    )
    return [row], "" if finished.returncode == 0 else "the 200k-point map test failed"


def main(argv: list[str] | None = None) -> int:
    parser = _common.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=(*BENCHMARKS, "map_test"), help="run only these")
    args = parser.parse_args(argv)
    chosen = args.only or (*BENCHMARKS, "map_test")
    started = time.perf_counter()
    rows: list[_common.Row] = []
    problems: list[str] = []
    for name in chosen:
        found, problem = _map_test_row() if name == "map_test" else _run_benchmark(name, args.quick, args.repeats)
        rows += found
        problems += [problem] if problem else []
    minutes = (time.perf_counter() - started) / 60
    report = _common.Report("summary", "All benchmarks", _common.command_line("run_all.py"), rows=rows)
    met, goals = sum(row.passed is True for row in rows), sum(row.passed is not None for row in rows)
    report.notes = [
        f"{met} of {goals} goals met; {minutes:.1f} minutes in all. Details per benchmark: bench/results/<name>.md."
    ]
    report.notes += [f"Did not run: {problem}" for problem in problems]
    report.save()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
