"""Running EmbedLab's jobs on a Ray cluster: where the cluster is, its nodes and free resources, and Ray Jobs.

EmbedLab never schedules work itself. A job on Ray is a Ray Job (``ray.job_submission``): its entrypoint is the
same worker the local backend starts (``python -m embedlab.training.jobs JOB_ID``), placed on one node chosen here
for its free cores (and a GPU when one is asked for), with ``EMBEDLAB_HOME`` passed on. The worker writes its
progress and commits its run into that folder exactly as a local worker does, so the app and the cluster's nodes
must share it (the same path on every node; see the README). Ray's token authentication is used as Ray reads it
(``RAY_AUTH_MODE=token`` and ``RAY_AUTH_TOKEN`` or ``RAY_AUTH_TOKEN_PATH``); EmbedLab never logs or stores it.

The cluster is the one named by ``$EMBEDLAB_RAY_ADDRESS`` (its dashboard's address, ``http://HEAD:8265``), or by
the Train page's setting, or the CLI's ``--ray-address``.
"""

from __future__ import annotations

import os
import shlex
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from embedlab import config
from embedlab.errors import EmbedLabError

__all__ = [
    "ADDRESS_VARIABLE",
    "Backend",
    "ClusterNode",
    "JobState",
    "configured_address",
    "job_state",
    "nodes",
    "run_module",
    "stop_job",
    "submit_job",
]

ADDRESS_VARIABLE = "EMBEDLAB_RAY_ADDRESS"
WATCH_PARENT_VARIABLE = "EMBEDLAB_WATCH_PARENT"  # set for a job on Ray: its worker stops if its Ray parent dies
CPUS_VARIABLE = "EMBEDLAB_JOB_CPUS"  # set for a job on Ray: the cores it was given (gensim's workers when unset)

Backend = Literal["local", "ray"]

ERROR_PREFIX = "embedlab: error: "  # how a module run by run_module says what went wrong, for the caller to show

_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


def configured_address(setting: str | None = None) -> str | None:
    """The Ray cluster jobs go to: ``setting`` (the Train page's or the CLI's), else ``$EMBEDLAB_RAY_ADDRESS``;
    None means the local backend. An address without a scheme gets ``http://``."""
    address = (setting or os.environ.get(ADDRESS_VARIABLE) or "").strip()
    if not address:
        return None
    return address if "://" in address else f"http://{address}"


@dataclass(frozen=True)
class ClusterNode:
    """One alive node of the cluster.

    Attributes:
        id: Ray's node id (hex).
        ip: the node's address.
        head: whether it is the head node.
        cpus, gpus: the node's total CPUs and GPUs, as Ray counts them.
        free_cpus, free_gpus: what EmbedLab's unfinished jobs on the node do not hold.
    """

    id: str
    ip: str
    head: bool
    cpus: float
    gpus: float
    free_cpus: float
    free_gpus: float

    @property
    def label(self) -> str:
        """How the pages name it: ``Ray node 1e5ebfee (10.0.0.5, worker)``."""
        return f"Ray node {self.id[:8]} ({self.ip}, {'head' if self.head else 'worker'})"


@dataclass(frozen=True)
class JobState:
    """What Ray says of a submitted job: its status (``PENDING``, ``RUNNING``, ``SUCCEEDED``, ``FAILED``,
    ``STOPPED``), whether that is final, and Ray's message."""

    status: str
    terminal: bool
    message: str


def _unreachable(address: str, error: BaseException) -> EmbedLabError:
    text = str(error)
    if "401" in text or "403" in text or "Authentication" in text or "Unauthorized" in text:
        return EmbedLabError(
            f"the Ray cluster at {address} refused EmbedLab: it needs its token. Start the app with "
            "RAY_AUTH_MODE=token and the cluster's token in RAY_AUTH_TOKEN_PATH (a file) or RAY_AUTH_TOKEN"
        )
    first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return EmbedLabError(
        f"cannot reach the Ray cluster at {address} ({first[:200]}): check the address (its dashboard, "
        f"http://HEAD:8265) and that the cluster is up, or clear {ADDRESS_VARIABLE} to train on this machine"
    )


def _client(address: str):
    """Ray's job client for ``address``, made once per address (it checks the cluster when made).

    Raises:
        EmbedLabError: the cluster cannot be reached, or refuses the token.
    """
    with _clients_lock:
        if address not in _clients:
            # lazy: ray takes a second and ~100 MB to import; only a configured cluster needs it
            from ray.job_submission import JobSubmissionClient

            try:
                _clients[address] = JobSubmissionClient(address)
            except Exception as error:  # Ray raises ConnectionError, RuntimeError or its AuthenticationError
                raise _unreachable(address, error) from None
        return _clients[address]


def _forget(address: str) -> None:
    with _clients_lock:
        _clients.pop(address, None)


def nodes(address: str) -> list[ClusterNode]:
    """The cluster's alive nodes, head first, each with its total and free CPUs and GPUs.

    Totals come from Ray's state API (``ray.util.state.list_nodes``); what is free is the total less
    what EmbedLab's unfinished jobs there hold (their metadata): other work on the cluster is not counted.

    Raises:
        EmbedLabError: the cluster cannot be reached, or refuses the token.
    """
    from ray.util.state import list_nodes  # lazy, as in _client

    client = _client(address)
    try:
        states = [n for n in list_nodes(address=address, detail=True, raise_on_missing_output=False)]
        held = _held_by_jobs(client)
    except Exception as error:
        _forget(address)
        raise _unreachable(address, error) from None
    found = []
    for state in states:
        if state.state != "ALIVE":
            continue
        total = state.resources_total or {}
        cpus, gpus = float(total.get("CPU", 0)), float(total.get("GPU", 0))
        used_cpus, used_gpus = held.get(state.node_id, (0.0, 0.0))
        found.append(
            ClusterNode(
                state.node_id,
                state.node_ip,
                bool(state.is_head_node),
                cpus,
                gpus,
                max(0.0, cpus - used_cpus),
                max(0.0, gpus - used_gpus),
            )
        )
    return sorted(found, key=lambda node: (not node.head, node.id))


def _held_by_jobs(client) -> dict[str, tuple[float, float]]:
    """CPUs and GPUs held per node by EmbedLab's unfinished jobs on the cluster (as their metadata says)."""
    held: dict[str, tuple[float, float]] = {}
    for job in client.list_jobs():
        metadata = job.metadata or {}
        if job.status.is_terminal() or not job.driver_node_id or "embedlab_job" not in metadata:
            continue
        cpus, gpus = held.get(job.driver_node_id, (0.0, 0.0))
        held[job.driver_node_id] = (cpus + float(metadata.get("cpus", 0)), gpus + float(metadata.get("gpus", 0)))
    return held


def choose_node(candidates: list[ClusterNode], cpus: int, gpus: int) -> ClusterNode:
    """The node a job runs on: among those with ``gpus`` GPUs (when asked for), the one with the most free CPUs
    (ties: most CPUs, then a worker before the head, which also runs the cluster's own services, then the first
    listed); gensim and the fine-tuning trainer use one node's cores.

    Raises:
        EmbedLabError: no node has the GPUs asked for, or the cluster has no node.
    """
    fitting = [node for node in candidates if node.gpus >= gpus]
    if not fitting:
        have = ", ".join(f"{node.label}: {node.gpus:g} GPU" for node in candidates) or "no nodes"
        raise EmbedLabError(f"no node of the Ray cluster has {gpus} GPU{'s' if gpus > 1 else ''} ({have})")
    return max(fitting, key=lambda node: (node.free_cpus, node.cpus, not node.head, -candidates.index(node)))


COORDINATOR = "the Ray cluster"  # where a data-parallel job runs: its replicas are placed by Ray Train


def submit_job(
    address: str,
    job_id: str,
    home: str,
    cpus: int = 0,
    gpus: int = 0,
    coordinator: bool = False,
    extra_env: dict[str, str] | None = None,
) -> ClusterNode | None:
    """Submit the worker of ``job_id`` as a Ray Job (submission id = the job id) on the node
    :func:`choose_node` picks, holding ``cpus`` of its CPUs (0: all of them) and ``gpus`` GPUs.

    The job's environment: ``EMBEDLAB_HOME=home``, ``EMBEDLAB_JOB_CPUS`` (the CPUs it holds), Ray's usage
    statistics off, the Hugging Face libraries offline; its output goes to ``home/jobs/JOB_ID.log``, as a local
    job's does.

    A ``coordinator`` job holds nothing and goes to any node: it only starts Ray Train's replicas, which hold the
    CPUs and GPUs (a data-parallel fine-tune). ``extra_env`` is added to the job's environment.

    Returns:
        The node it was placed on; None for a coordinator.

    Raises:
        EmbedLabError: the cluster cannot be reached, refuses the token, or has no node that fits.
    """
    client = _client(address)
    node = None if coordinator else choose_node(nodes(address), cpus, gpus)
    log = Path(home) / "jobs" / f"{job_id}.log"
    log.parent.mkdir(parents=True, exist_ok=True)  # the folder the app and the nodes share
    held = 0.0 if node is None else min(float(cpus), node.cpus) if cpus else node.cpus
    env = {
        "EMBEDLAB_HOME": home,
        CPUS_VARIABLE: str(max(1, int(held))),  # (a coordinator's replicas hold their own)
        WATCH_PARENT_VARIABLE: "1",
        "RAY_USAGE_STATS_ENABLED": "0",
        **config.offline_environment(),
        **(extra_env or {}),
    }
    try:
        client.submit_job(
            # the log goes where a local job's does (the pages point at it); Ray keeps its own job logs empty
            # exec: the worker is the Ray supervisor's own child, so it can tell when its node's Ray is gone
            entrypoint=f"exec python -m embedlab.training.jobs {job_id} >> {shlex.quote(str(log))} 2>&1",
            submission_id=job_id,
            runtime_env={"env_vars": env},
            entrypoint_num_cpus=held,
            entrypoint_num_gpus=(gpus or None) if node is not None else None,
            entrypoint_label_selector={"ray.io/node-id": node.id} if node is not None else None,
            metadata={"embedlab_job": job_id, "cpus": f"{held:g}", "gpus": str(gpus if node is not None else 0)},
        )
    except Exception as error:
        _forget(address)
        raise _unreachable(address, error) from None
    return node


def job_state(address: str, job_id: str) -> JobState | None:
    """Ray's status of a submitted job; None when the cluster cannot be asked now (unreachable, or it no longer
    knows the job), so the caller keeps what it knew."""
    try:
        info = _client(address).get_job_info(job_id)
    except Exception:
        _forget(address)
        return None
    return JobState(str(info.status.value), info.status.is_terminal(), info.message or "")


def stop_job(address: str, job_id: str) -> bool:
    """Ask Ray to stop a job (SIGTERM to its worker, then SIGKILL if it lingers); False when it could not be
    asked or had already ended."""
    try:
        return bool(_client(address).stop_job(job_id))
    except Exception:
        _forget(address)
        return False


def run_module(
    address: str,
    home: str,
    module: str,
    args: list[str],
    timeout_seconds: float = 24 * 3600,
    poll_seconds: float = 1.0,
) -> str:
    """Run ``python -m module args...`` as a Ray Job (a driver holding one CPU, on any node) and wait for it; its
    output goes to ``home/jobs/ID.log``. For work that is itself a Ray program (the parallel ingest).

    Returns:
        The last line the module printed.

    Raises:
        EmbedLabError: the cluster cannot be reached or refuses the token; the job failed (with the end of its
            log) or did not end within ``timeout_seconds``.
    """
    client = _client(address)
    job_id = f"ingest-{os.urandom(6).hex()}"
    log = Path(home) / "jobs" / f"{job_id}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = " ".join(shlex.quote(part) for part in ["python", "-m", module, *args])
    env = {"EMBEDLAB_HOME": home, "RAY_USAGE_STATS_ENABLED": "0", **config.offline_environment()}
    try:
        client.submit_job(
            entrypoint=f"{command} >> {shlex.quote(str(log))} 2>&1",
            submission_id=job_id,
            runtime_env={"env_vars": env},
            entrypoint_num_cpus=1,
            metadata={"embedlab_job": job_id, "cpus": "1", "gpus": "0"},
        )
    except Exception as error:
        _forget(address)
        raise _unreachable(address, error) from None
    deadline = time.monotonic() + timeout_seconds
    while True:
        state = job_state(address, job_id)
        if state is not None and state.terminal:
            break
        if time.monotonic() > deadline:
            stop_job(address, job_id)
            raise EmbedLabError(f"{module} on the Ray cluster did not end in {timeout_seconds:.0f} s (stopped)")
        time.sleep(poll_seconds)
    lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines() if log.exists() else []
    if state.status != "SUCCEEDED":
        said = [line.removeprefix(ERROR_PREFIX) for line in lines if line.startswith(ERROR_PREFIX)]
        detail = said[-1] if said else f"{module} failed on the Ray cluster: {state.message or state.status}"
        raise EmbedLabError(f"{detail} (the log: {log})")
    return lines[-1] if lines else ""
