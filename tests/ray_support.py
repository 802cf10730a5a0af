"""A real local Ray cluster for the tests: a head node and a worker node, two `ray start --block` processes, each
with its own resources, token authentication on (a fresh token in a private temporary file), usage statistics off.

The worker node carries the custom resource ``embedlab_worker`` so a test can tell where a job ran. Stopping the
`ray start --block` processes (SIGTERM) stops each node's Ray processes, and only those.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

WORKER_RESOURCE = "embedlab_worker"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ports(*names: str) -> list[str]:
    return [arg for name in names for arg in (f"--{name}", str(_free_port()))]


class RayCluster:
    """Start with :meth:`start`, stop with :meth:`stop`.

    Attributes:
        address: the dashboard's address (what ``EMBEDLAB_RAY_ADDRESS`` takes), ``http://127.0.0.1:PORT``.
        environment: the variables a client needs: ``RAY_AUTH_MODE=token``, ``RAY_AUTH_TOKEN_PATH``, usage off.
    """

    def __init__(
        self, folder: Path, cpus_per_node: int = 1, head_cpus: int | None = None, token: str | None = None
    ) -> None:
        self.folder = folder
        self.cpus = cpus_per_node
        self.head_cpus = cpus_per_node if head_cpus is None else head_cpus
        self.token_path = folder / "auth_token"
        self.token = token or secrets.token_hex(32)  # a process's Ray client keeps the first token it reads
        self.environment = {
            "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN_PATH": str(self.token_path),
            "RAY_USAGE_STATS_ENABLED": "0",
        }
        self.gcs = ""
        self.address = ""
        self.head: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.more_workers: list[subprocess.Popen] = []

    def _start_node(self, args: list[str], log: str) -> subprocess.Popen:
        env = {**os.environ, **self.environment}
        env.pop("RAY_AUTH_TOKEN", None)  # the file is the one source
        with (self.folder / log).open("ab") as out:
            return subprocess.Popen(
                ["ray", "start", "--block", "--disable-usage-stats", "--node-ip-address=127.0.0.1", *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )

    def start(self) -> RayCluster:
        """Start both nodes and wait until both are alive; sets :attr:`environment` in this process (Ray reads
        it when first imported, so this comes before any import of ray here)."""
        os.environ.update(self.environment)
        os.environ.pop("RAY_AUTH_TOKEN", None)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.token_path.write_text(self.token)
        self.token_path.chmod(0o600)
        gcs_port, dashboard_port = _free_port(), _free_port()
        self.gcs = f"127.0.0.1:{gcs_port}"
        self.address = f"http://127.0.0.1:{dashboard_port}"
        self.head = self._start_node(
            [
                "--head",
                f"--port={gcs_port}",
                "--dashboard-host=127.0.0.1",
                f"--dashboard-port={dashboard_port}",
                f"--num-cpus={self.head_cpus}",
                "--num-gpus=0",
                f"--temp-dir={self.folder / 'ray'}",
                *_ports("ray-client-server-port", "dashboard-agent-listen-port", "metrics-export-port"),
            ],
            "head.log",
        )
        self._wait_for_nodes(1)
        self.worker = self._worker_node("worker.log")
        self._wait_for_nodes(2)
        return self

    def _worker_node(self, log: str) -> subprocess.Popen:
        return self._start_node(
            [
                f"--address={self.gcs}",
                f"--num-cpus={self.cpus}",
                "--num-gpus=0",
                f'--resources={{"{WORKER_RESOURCE}": 1}}',
                *_ports("dashboard-agent-listen-port", "metrics-export-port"),
            ],
            log,
        )

    def add_worker(self) -> None:
        """One more worker node like the first (the benchmark's scaling step)."""
        self.more_workers.append(self._worker_node(f"worker{len(self.more_workers) + 2}.log"))
        self._wait_for_nodes(2 + len(self.more_workers))

    def _wait_for_nodes(self, count: int, timeout: float = 120) -> None:
        # Ray reads RAY_AUTH_MODE once, when it is first imported: the caller sets self.environment before that.
        from ray.util.state import list_nodes

        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while True:
            try:
                alive = [n for n in list_nodes(address=self.address) if n.state == "ALIVE"]
                if len(alive) >= count:
                    return
            except Exception as error:  # the dashboard is not up yet
                last = error
            for process in (self.head, self.worker, *self.more_workers):
                if process is not None and process.poll() is not None:
                    raise RuntimeError(f"a Ray node exited while starting; see {self.folder}/*.log")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Ray cluster did not reach {count} nodes in {timeout:.0f} s ({last})")
            time.sleep(0.5)

    def worker_raylet_pids(self) -> list[int]:
        """The worker node's raylet process (its child), to kill it as a lost machine would be."""
        if self.worker is None:
            return []
        found = subprocess.run(["pgrep", "-P", str(self.worker.pid)], capture_output=True, text=True).stdout.split()
        return [
            int(pid) for pid in found if "raylet" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        ]

    def stop(self) -> None:
        """SIGTERM to both nodes; what still runs after a few seconds (Ray drains for up to 30 s a node) is
        killed: the nodes' process groups, then any process of this cluster's session folder."""
        nodes = [*self.more_workers, self.worker, self.head]
        for process in nodes:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 5
        for process in nodes:
            if process is None:
                continue
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        subprocess.run(["pkill", "-KILL", "-f", str(self.folder / "ray")], check=False)
