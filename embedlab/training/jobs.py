"""Training jobs in their own process, on this machine or as a Ray Job on a cluster; their state lives in the
SQLite registry.

A job goes queued -> running -> committing -> done, or ends failed | cancelled; a job whose process vanished
(killed, server restarted) becomes "interrupted" the next time anyone looks. A job can be cancelled until it
starts committing its run; it is "done" only once its run is on disk and in the registry.
Run ``python -m embedlab.training.jobs JOB_ID`` to work one: the local backend starts it as a child process, the
Ray backend (:mod:`embedlab.cluster`) as a Ray Job's entrypoint on one node; the worker is the same.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab import cluster, store
from embedlab import config as settings
from embedlab.corpus.stored import load_corpus
from embedlab.errors import EmbedLabError
from embedlab.records import JOB_ACTIVE, JOB_CANCELLABLE, JobRecord, RunMethod
from embedlab.training import configs, finetune
from embedlab.training.configs import REPLICAS, Cancelled, Progress, TrainConfig
from embedlab.training.word2vec import train_run

if TYPE_CHECKING:
    from embedlab.training.configs import FinetuneConfig, FinetuneProgress


ACTIVE = JOB_ACTIVE
CANCELLABLE = JOB_CANCELLABLE


_START_GRACE_SECONDS = 60


_PROGRESS_INTERVAL_SECONDS = 0.5


# Ray is asked about a job only once its row has been quiet this long: pages poll every second, and asking the
# dashboard each time cost the training a share of the cores.
_RAY_QUIET_SECONDS = 5.0


_children: list[subprocess.Popen] = []


LOCAL_NODE = "this machine"


def start_job(
    corpus_id: str,
    config: TrainConfig | FinetuneConfig,
    backend: cluster.Backend | None = None,
    ray_address: str | None = None,
    replicas: int = 1,
) -> str:
    """Queue a training or fine-tuning job and start its worker; returns the job id at once.

    Args:
        backend: ``local`` (a process on this machine) or ``ray`` (a Ray Job); default: ``ray`` when a cluster is
            configured (``ray_address``, else ``$EMBEDLAB_RAY_ADDRESS``), else ``local``.
        ray_address: the Ray cluster's dashboard address, ``http://HEAD:8265``.
        replicas: a fine-tune on Ray: data-parallel replicas (Ray Train), each on a GPU when the cluster has GPUs,
            else a CPU; 1 trains in the job's own process.

    On Ray, a Word2Vec or FastText job holds ``workers`` CPUs of one node (all of the node's when 0); a fine-tune
    holds one node, with one GPU when the cluster has a GPU node.

    Raises:
        EmbedLabError: the same job (same corpus, same settings) is still queued or running; ``ray`` without a
            configured cluster; the cluster cannot be reached, refuses the token or has no node that fits (the
            job is then recorded as failed, with that message).
    """
    params = config.to_dict()
    same = [job for job in list_jobs() if job.is_active and job.corpus_id == corpus_id and job.params == params]
    if same:
        raise EmbedLabError(
            f"the same training is already running on this corpus ({same[0].id}, {same[0].status}): wait for it to "
            "finish, or cancel it first"
        )
    address = cluster.configured_address(ray_address)
    if (backend or ("ray" if address else "local")) == "ray":
        if address is None:
            raise EmbedLabError(
                f"no Ray cluster is configured: set {cluster.ADDRESS_VARIABLE} (http://HEAD:8265) or give its address"
            )
        return _start_on_ray(corpus_id, config, params, address, replicas)
    if replicas != 1:
        raise EmbedLabError("data-parallel replicas need a Ray cluster: this machine trains in one process")
    job_id = store.new_id("job")
    store.add_job(job_id, corpus_id, params, getattr(config, "epochs", 0))
    store.update_job(job_id, node=LOCAL_NODE)
    with (store.jobs_dir() / f"{job_id}.log").open("ab") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "embedlab.training.jobs", job_id],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _children.append(child)
    store.update_job(job_id, pid=child.pid)
    return job_id


def _start_on_ray(
    corpus_id: str, config: TrainConfig | FinetuneConfig, params: dict[str, Any], address: str, replicas: int
) -> str:
    finetuning = isinstance(config, configs.FinetuneConfig)
    REPLICAS.check("replicas", replicas)
    if replicas > 1 and not finetuning:
        raise EmbedLabError(f"replicas: Word2Vec and FastText train on one node (got {replicas})")
    job_id = store.new_id("job")
    store.add_job(job_id, corpus_id, params, getattr(config, "epochs", 0), backend="ray", address=address)
    try:
        gpus = int(finetuning and any(node.gpus >= 1 for node in cluster.nodes(address)))
        if replicas > 1:
            env = {finetune.REPLICAS_VARIABLE: str(replicas), finetune.GPU_VARIABLE: str(gpus)}
            cluster.submit_job(address, job_id, str(settings.home()), coordinator=True, extra_env=env)
            where = f"{cluster.COORDINATOR}: {replicas} data-parallel replicas ({'GPU' if gpus else 'CPU'})"
        else:
            node = cluster.submit_job(address, job_id, str(settings.home()), getattr(config, "workers", 0), gpus)
            where = node.label if node is not None else cluster.COORDINATOR
    except EmbedLabError as error:
        store.transition_job(job_id, ACTIVE, status="failed", message=str(error))
        raise
    store.update_job(job_id, node=where)
    return job_id


def _is_worker_alive(pid: int | None, job_id: str) -> bool:
    if not pid:
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.parent.parent.exists() and Path("/proc/self").exists():
        try:
            return job_id.encode() in cmdline.read_bytes()  # a zombie or a reused pid has another cmdline
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _reap_children() -> None:
    for child in list(_children):
        if child.poll() is not None:
            _children.remove(child)


def _mark_vanished_jobs() -> None:
    _reap_children()
    now = time.time()
    for job in store.list_jobs():
        if job.status not in ACTIVE:
            continue
        if job.backend == "ray":
            if now - job.updated > _RAY_QUIET_SECONDS:  # a working worker writes its progress every 0.5 s
                _mark_ended_ray_job(job)
            continue
        if now - job.created < _START_GRACE_SECONDS and not job.pid:
            continue
        if not _is_worker_alive(job.pid, job.id):
            store.transition_job(
                job.id,
                ACTIVE,
                status="interrupted",
                message="The training process stopped unexpectedly (killed, or the server restarted). "
                "Nothing was saved; start the training again.",
            )


WAITING_FOR_A_NODE = "waiting for a node of the Ray cluster with the cores it asked for (all are held now)"


def _mark_ended_ray_job(job: JobRecord) -> None:
    """A Ray Job that ended (failed, stopped, its node lost) while the registry still has it active: interrupted,
    with Ray's reason; one that Ray still holds back for want of free cores: said in its message. A cluster that
    cannot be asked now changes nothing."""
    state = cluster.job_state(job.address, job.id)
    if state is not None and state.status == "PENDING" and job.status == "queued":
        store.transition_job(job.id, ("queued",), message=WAITING_FOR_A_NODE)  # also restarts the quiet clock
        return
    if state is None or not state.terminal:
        return
    reason = f"{state.status.lower()}: {state.message}" if state.message else state.status.lower()
    store.transition_job(
        job.id,
        ACTIVE,
        status="interrupted",
        message=f"The job on the Ray cluster ended before it saved its run ({reason[:300]}). Nothing was saved; "
        "start the training again.",
    )


def progress_text(job: JobRecord) -> str:
    """One line for a running job: where it is (a fine-tune's phase), how fast, how long still."""
    finetuning = job.method is RunMethod.SENTENCE_TRANSFORMER
    unit, speed_unit = ("step", "pairs/s") if finetuning else ("epoch", "words/s")
    parts = [job.status]
    if finetuning and job.message not in ("", "training"):  # held-out checks, saving, encoding: no steps or speed
        return " · ".join([*parts, job.message] + ([f"{job.progress:.0%}"] if job.progress else []))
    if job.message:  # a fine-tune's phase; which seed of a multi-seed training
        parts.append(job.message)
    if job.epochs:
        parts.append(f"{unit} {max(job.epoch, 1)}/{job.epochs}")
    if job.words_per_second:
        parts.append(f"{job.words_per_second:,.0f} {speed_unit}")
    if job.eta_seconds is not None:
        parts.append(f"ETA {job.eta_seconds:.0f} s")
    return " · ".join(parts)


def list_jobs() -> list[JobRecord]:
    """All jobs, newest first, with vanished workers marked interrupted."""
    _mark_vanished_jobs()
    return store.list_jobs()


def get_job(job_id: str) -> JobRecord | None:
    """A job's record, with a vanished worker marked interrupted first; None when there is no such job."""
    _mark_vanished_jobs()
    return store.get_job(job_id)


def cancel_job(job_id: str) -> bool:
    """Stop a queued or running job; False when it had already ended."""
    job = store.get_job(job_id)
    if job is None or not store.transition_job(
        job_id, CANCELLABLE, status="cancelled", message="cancelled by you; nothing was saved"
    ):
        return False
    if job.backend == "ray":
        cluster.stop_job(job.address, job_id)
    elif job.pid and _is_worker_alive(job.pid, job_id):
        os.kill(job.pid, signal.SIGTERM)
    _reap_children()
    return True


def _raise_cancelled(_signum, _frame) -> None:
    raise Cancelled("cancelled")


def _progress_writer(job_id: str):
    last = 0.0

    def write(progress: Progress | FinetuneProgress) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < _PROGRESS_INTERVAL_SECONDS and progress.fraction < 1.0:
            return
        last = now
        if isinstance(progress, Progress):
            store.update_job(
                job_id,
                progress=progress.fraction,
                epoch=progress.epoch,
                words_per_second=progress.words_per_second,
                eta_seconds=progress.eta_seconds,
                message=f"seed {progress.replica}/{progress.replicas}" if progress.replicas > 1 else "",
            )
        elif progress.phase == "training":  # steps and pairs/s share the epoch and speed columns
            store.update_job(
                job_id,
                progress=progress.fraction,
                epoch=progress.step,
                epochs=progress.steps,
                words_per_second=progress.pairs_per_second,
                eta_seconds=progress.eta_seconds,
                message=progress.phase,
            )
        else:  # the phases around training (held-out checks, saving, encoding): the running message names them
            store.update_job(job_id, progress=progress.fraction, eta_seconds=None, message=progress.phase)

    return write


def _runner(params: dict[str, Any]) -> tuple[Callable[..., Any], TrainConfig | FinetuneConfig]:
    """The run function and its config for a job's parameters.

    embedlab.finetune is imported only for fine-tuning jobs: it pulls in pandas and scipy (~130 MB, 0.7 s), which
    made a Word2Vec worker's peak memory 1.5x raw gensim's.
    """
    if params.get("method") == RunMethod.SENTENCE_TRANSFORMER:
        return finetune.finetune_run, configs.FinetuneConfig.from_dict(params)
    return train_run, TrainConfig.from_dict(params)


def _stop_when_orphaned(parent: int) -> None:
    """On a Ray node: once the Ray process that started this worker is gone (its node lost, the raylet killed),
    SIGTERM this process, as a cancel would: nothing manages the job any more, so it must not commit a run. The
    job's row then goes quiet, and the app marks it interrupted with Ray's reason."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="embedlab-parent-watch", daemon=True).start()


def work(job_id: str) -> int:
    """The worker process's body: train, then commit the run unless the job was cancelled meanwhile."""
    signal.signal(signal.SIGTERM, _raise_cancelled)
    if os.environ.get(cluster.WATCH_PARENT_VARIABLE):
        _stop_when_orphaned(os.getppid())
    job = store.get_job(job_id)
    if job is None or job.status not in ACTIVE:
        return 0
    store.update_job(job_id, status="running", pid=os.getpid(), message="")
    run_id = store.new_id("run")

    def may_commit() -> bool:
        # From here on a cancel cannot split the run in two: the worker commits the run or leaves nothing.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        return store.transition_job(job_id, CANCELLABLE, status="committing")

    try:
        run, config = _runner(job.params)
        run(load_corpus(job.corpus_id), config, _progress_writer(job_id), run_id, may_commit)
    except Cancelled:
        return 0
    except EmbedLabError as error:
        store.transition_job(job_id, ACTIVE, status="failed", message=str(error))
        return 1
    except Exception as error:  # a bug of ours: the user sees what failed, the job's log keeps the traceback
        traceback.print_exc()
        log = store.jobs_dir() / f"{job_id}.log"
        store.transition_job(
            job_id,
            ACTIVE,
            status="failed",
            message=f"Unexpected error: {type(error).__name__}: {error} (the traceback is in {log})",
        )
        return 1
    store.transition_job(job_id, ("committing",), status="done", progress=1.0, run_id=run_id, eta_seconds=0, message="")
    return 0


if __name__ == "__main__":
    sys.stdout.flush()
    os._exit(work(sys.argv[1]))  # _exit: gensim's worker threads must not keep a cancelled process alive
