#!/usr/bin/env python
"""The first Compare view after a fine-tune finishes: the fine-tuned run against the baseline, on the sample corpus.

A fine-tune job (Train page defaults, in its own worker process, as the page starts it) runs to "done"; then the
Compare page (the real app script, run by Streamlit's AppTest in a process whose caches are empty) opens the run
against the baseline on one word, and is timed until its script run ends. Two sides on the same run:

* ``version one``: what the page paid before the job encoded the corpus words itself: the run's and the
  baseline's word vectors are removed from the disk cache first, so the page loads both models and encodes every
  corpus word (up to 20,000) twice;
* ``embedlab``: the page as the job leaves it (the job's last phase encoded the words with both models).

Usage::

    python bench/compare_after_finetune.py [--quick]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

_common.pin_threads()

NAME = "compare_after_finetune"
GOAL_SECONDS = 20.0
_VIEW = """
import sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=900)
for key, value in (("corpus", sys.argv[2]), ("a", sys.argv[3]), ("b", "baseline"), ("word", "matrix")):
    at.query_params[key] = value
at.switch_page("pages/compare.py")
started = time.perf_counter()
at.run()
seconds = time.perf_counter() - started
assert not at.exception and len(at.table) == 2, (at.exception, at.error)
print(seconds)
"""


def _first_view(home: Path, corpus_id: str, run_id: str) -> float:
    """Seconds of the Compare page's first script run, in a fresh process (empty in-memory caches)."""
    done = subprocess.run(
        [sys.executable, "-c", _VIEW, str(_common.ROOT / "app.py"), corpus_id, run_id],
        cwd=_common.ROOT,
        env={**os.environ, "EMBEDLAB_HOME": str(home)},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> bool:
    args = _common.parser(__doc__.splitlines()[0]).parse_args(argv)
    from embedlab import config
    from embedlab.corpus import ReadOptions, build_corpus
    from embedlab.training import FinetuneConfig, jobs

    with _common.scratch_home("compare-after-finetune-") as work:
        home = work / "home"
        sample = config.SAMPLE_DATA_DIR / "scipy_docs.csv"
        corpus = build_corpus(sample.name, sample.read_bytes(), ReadOptions("text", "label"))
        tune = FinetuneConfig(max_pairs=200) if args.quick else FinetuneConfig()
        started = time.perf_counter()
        job_id = jobs.start_job(corpus.id, tune)
        while (job := jobs.get_job(job_id)) is not None and job.is_active:
            time.sleep(1)
        assert job is not None and job.status == "done", job
        job_seconds = time.perf_counter() - started
        print(f"  fine-tune job ({tune.max_pairs} pairs, words encoded at the end): {job_seconds:.0f} s", flush=True)
        ours = _first_view(home, corpus.id, job.run_id)
        print(f"  first Compare view as the job leaves it: {ours:.1f} s", flush=True)
        for cached in (home / "cache").glob("baseline-*.npy"):
            cached.unlink()  # version one: nothing encoded before the page opens
        before = _first_view(home, corpus.id, job.run_id)
        print(f"  first Compare view with nothing encoded (version one): {before:.1f} s", flush=True)
    row = _common.Row(
        f"first Compare view after a fine-tune (run vs baseline, {len(corpus.counts):,} corpus words, sample corpus)",
        _common.seconds(before),
        _common.seconds(ours),
        ours / before,
        f"<= {GOAL_SECONDS:.0f} s",
        ours <= GOAL_SECONDS,
    )
    report = _common.Report(
        NAME, "First Compare view after a fine-tune", _common.command_line("compare_after_finetune.py")
    )
    report.rows.append(row)
    report.notes.append(f"the fine-tune job itself took {job_seconds:.0f} s, its last phase encoding the words")
    report.details.update({"version_one_seconds": before, "embedlab_seconds": ours, "job_seconds": job_seconds})
    report.save()
    return bool(row.passed)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
