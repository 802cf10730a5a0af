#!/usr/bin/env python
"""Jobs on a local Ray cluster against the local backend, and a many-file ingest on one and two Ray workers.

A real local cluster (``tests/ray_support.RayCluster``: ``ray start --block`` processes, token authentication on):
a head node holding no CPUs, so work goes to the worker nodes, and worker nodes of their own resources.

* **Word2Vec job, 5M tokens** (the Train page's defaults, all cores): ``jobs.start_job`` to the job's "done" row,
  the local backend (a worker process here) against the Ray backend (a Ray Job on one worker node holding both
  cores), interleaved. Goal: Ray's overhead <= 10%.
* **Many-file ingest**: a zip of many text files read, tokenised and stored by ``build_corpus_in_parallel`` (Ray
  Data, one CPU a task) with one worker node of one CPU, then with a second such node; the raw column is the local
  path (``build_corpus`` in this process) on the same bytes. Every run stores into an empty data folder. The
  speed-up is measured, with no goal: on 2 cores the driver's merge shares the machine with the workers.

Usage (from the repository root)::

    python bench/ray_cluster.py [--quick] [--repeats R] [--tokens N]
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

sys.path.insert(0, str(_common.ROOT / "tests"))
from ray_support import RayCluster  # noqa: E402  (the tests' cluster, one home for starting one)

_common.pin_threads()

NAME = "ray_cluster"
OVERHEAD_GOAL = 1.10


def _job_seconds(corpus_id: str, backend: str, address: str) -> float:
    from embedlab.training import TrainConfig, jobs

    started = time.perf_counter()
    job_id = jobs.start_job(corpus_id, TrainConfig(), backend=backend, ray_address=address)  # type: ignore[arg-type]
    while (job := jobs.get_job(job_id)) is not None and job.is_active:
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    if job is None or job.status != "done":
        raise RuntimeError(
            f"{backend} job {job_id} ended {job.status if job else 'gone'}: {job.message if job else ''}"
        )
    return seconds


def _archive(work: Path, files: int, tokens: int) -> bytes:
    """One synthetic text of about ``tokens`` tokens (one vocabulary, as a real collection has) cut into ``files``
    text files at paragraph breaks, zipped (stored, not deflated)."""
    whole = work / "whole.txt"
    _common.SyntheticText().write(whole, tokens)
    paragraphs = whole.read_text(encoding="utf-8").split("\n\n")
    whole.unlink()
    share = -(-len(paragraphs) // files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for i in range(files):
            archive.writestr(f"docs/part{i:04d}.txt", "\n\n".join(paragraphs[i * share : (i + 1) * share]))
    return buffer.getvalue()


def _in_empty_home(call) -> float:
    folder = Path(tempfile.mkdtemp(prefix="embedlab-bench-ingest-"))
    previous = os.environ["EMBEDLAB_HOME"]
    os.environ["EMBEDLAB_HOME"] = str(folder)
    try:
        return _common.timed(call)
    finally:
        os.environ["EMBEDLAB_HOME"] = previous
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> bool:
    parser = _common.parser(__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=None, help="Word2Vec corpus (default 5M, --quick 1M)")
    args = parser.parse_args(argv)
    tokens = args.tokens or (1_000_000 if args.quick else 5_000_000)
    repeats = args.repeats or (1 if args.quick else 3)
    ingest_tokens, files = (2_000_000, 40) if args.quick else (10_000_000, 200)
    report = _common.Report(NAME, "Jobs on a Ray cluster", _common.command_line("ray_cluster.py"))
    with _common.scratch_home(NAME) as work:
        from embedlab.corpus import build_corpus

        path = work / "synthetic.txt"
        _common.SyntheticText().write(path, tokens)
        corpus = build_corpus(path.name, path.read_bytes())
        data = _archive(work, files, ingest_tokens)
        archive = work / "many.zip"
        archive.write_bytes(data)
        token = secrets.token_hex(32)  # one for both clusters: Ray's client keeps the first token it reads
        cluster = RayCluster(
            Path(tempfile.mkdtemp(prefix="elray-")), cpus_per_node=os.cpu_count() or 2, head_cpus=0, token=token
        )
        try:
            cluster.start()
            print(f"cluster up: {cluster.address}; corpus {corpus.stats.tokens:,} tokens", flush=True)
            jobs_timed = _common.interleaved(
                repeats,
                {
                    "local": lambda: _job_seconds(corpus.id, "local", ""),
                    "ray": lambda: _job_seconds(corpus.id, "ray", cluster.address),
                },
                "word2vec job",
            )
        finally:
            cluster.stop()
            shutil.rmtree(cluster.folder, ignore_errors=True)

        import ray

        from embedlab.corpus.parallel import build_corpus_in_parallel

        local = [_in_empty_home(lambda: build_corpus(archive.name, data)) for _ in range(repeats)]
        cluster = RayCluster(Path(tempfile.mkdtemp(prefix="elray-")), cpus_per_node=1, head_cpus=0, token=token)
        scaling: dict[int, list[float]] = {}
        try:
            cluster.start()
            ray.init(address=cluster.gcs, logging_level="ERROR", log_to_driver=False)
            for workers in (1, 2):
                if workers == 2:
                    cluster.add_worker()
                scaling[workers] = [
                    _in_empty_home(lambda: build_corpus_in_parallel(archive, members_per_task=4))
                    for _ in range(repeats)
                ]
                print(f"  ingest on {workers} worker(s): {scaling[workers]}", flush=True)
        finally:
            ray.shutdown()
            cluster.stop()
            shutil.rmtree(cluster.folder, ignore_errors=True)

    local_job, ray_job = _common.median(jobs_timed["local"]), _common.median(jobs_timed["ray"])
    one, two, here = _common.median(scaling[1]), _common.median(scaling[2]), _common.median(local)
    report.rows = [
        _common.Row(
            f"Word2Vec job, {corpus.stats.tokens / 1e6:.1f}M tokens (defaults, all cores): local backend vs Ray",
            _common.seconds(local_job),
            _common.seconds(ray_job),
            ray_job / local_job,
            f"<= {OVERHEAD_GOAL:.2f}x",
            ray_job <= OVERHEAD_GOAL * local_job,
        ),
        _common.Row(
            f"ingest, zip of {files} files ({ingest_tokens / 1e6:.0f}M tokens): this machine vs 1 Ray worker",
            _common.seconds(here),
            _common.seconds(one),
            one / here,
            "measured",
            None,
        ),
        _common.Row(
            f"ingest, zip of {files} files: 1 vs 2 Ray workers (1 CPU each)",
            _common.seconds(one),
            _common.seconds(two),
            two / one,
            f"speed-up {one / two:.2f}x (measured)",
            None,
        ),
    ]
    report.notes = [
        f"Median of {repeats} runs. The Word2Vec job on Ray holds all {os.cpu_count()} cores of one worker node "
        "(EMBEDLAB_JOB_CPUS), as the local job uses all of this machine's; both from start_job to the 'done' row.",
        "The ingest stores into an empty data folder each time; the parallel one merges the workers' parts in this "
        "process (the Ray driver), which competes with the workers for the same two cores.",
    ]
    report.details = {
        "word2vec": jobs_timed,
        "ingest_local": local,
        "ingest_ray": {str(k): v for k, v in scaling.items()},
        "tokens": corpus.stats.tokens,
        "ingest_tokens": ingest_tokens,
        "files": files,
    }
    report.save()
    return bool(report.rows[0].passed)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
