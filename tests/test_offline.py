"""Offline: the main flow and the server run with every connection beyond this machine refused and recorded.

The guard is a ``sitecustomize`` module first on PYTHONPATH, so it is in force in every Python process the test
starts and in theirs (the training job's worker too). It wraps ``socket.socket.connect``/``connect_ex``/``sendto``
and ``socket.getaddrinfo``: a non-loopback address (or a name other than localhost) is written to a log and the
call fails like an unreachable network. The test asserts that the log is empty: no hub look-up, no telemetry.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow

GUARD = """
import ipaddress, json, os, socket

_LOG = os.environ["EMBEDLAB_NETWORK_LOG"]
_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _local(host):
    if isinstance(host, bytes):
        host = host.decode()
    if host is None or host in _NAMES:
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(call, target):
    with open(_LOG, "a") as log:
        log.write(json.dumps({"pid": os.getpid(), "call": call, "target": repr(target)}) + "\\n")
    raise OSError(101, f"network is unreachable (offline test): {call} {target!r}")


def _guard(method, call):
    def guarded(self, address, *args):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
            _refuse(call, address)
        return method(self, address, *args)
    return guarded


def _guard_sendto(method):
    def guarded(self, data, *args):
        address = args[-1]
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
            _refuse("sendto", address)
        return method(self, data, *args)
    return guarded


_getaddrinfo = socket.getaddrinfo


def getaddrinfo(host, *args, **kwargs):
    if not _local(host):
        _refuse("getaddrinfo", host)
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guard(socket.socket.connect, "connect")
socket.socket.connect_ex = _guard(socket.socket.connect_ex, "connect_ex")
socket.socket.sendto = _guard_sendto(socket.socket.sendto)
socket.getaddrinfo = getaddrinfo
"""


@pytest.fixture
def offline(tmp_path) -> tuple[dict[str, str], Path]:
    """The environment of a guarded process, and the log of what it tried."""
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "network.log"
    log.touch()
    home = tmp_path / "home"
    # The project's own settings must do it: none of the caller's Hugging Face or Streamlit variables
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("HF_", "TRANSFORMERS_", "STREAMLIT_"))
    }
    env.update(
        EMBEDLAB_HOME=str(home),
        EMBEDLAB_NETWORK_LOG=str(log),
        PYTHONPATH=os.pathsep.join([str(guard), str(ROOT), os.environ.get("PYTHONPATH", "")]),
    )
    return env, log


def _attempts(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_the_guard_refuses_and_records_outside_connections(offline):
    """The guard works: a look-up, a TCP and a UDP connection outside are refused and logged; loopback is not."""
    env, log = offline
    probe = """
import socket
server = socket.create_server(("127.0.0.1", 0))
socket.create_connection(server.getsockname(), timeout=5).close()  # loopback: allowed
for attempt in (lambda: socket.create_connection(("huggingface.co", 443), timeout=5),
                lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).connect(("8.8.8.8", 1)),
                lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("1.1.1.1", 53))):
    try:
        attempt()
    except OSError as error:
        assert "offline test" in str(error), error
    else:
        raise SystemExit("not refused")
"""
    done = subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert [(a["call"], a["target"]) for a in _attempts(log)] == [
        ("getaddrinfo", "'huggingface.co'"),
        ("connect", "('8.8.8.8', 1)"),
        ("sendto", "('1.1.1.1', 53)"),
    ]


# The main flow, as the app runs it: ingest the sample corpus, train Word2Vec in a background job (its own
# process), load the baseline, compare, build the HTML report.
FLOW = """
import json, sys, time
from pathlib import Path
from embedlab import analysis, spaces
from embedlab.analysis import maps
from embedlab.present import report
from embedlab.training import jobs
from embedlab.corpus import build_corpus
from embedlab.training import TrainConfig

corpus = build_corpus("scipy_docs_small.txt", Path(sys.argv[1]).read_bytes())
job_id = jobs.start_job(corpus.id, TrainConfig(dim=16, min_count=3, epochs=2, workers=1, seed=1))
deadline = time.time() + 300
while (job := jobs.get_job(job_id)).status in jobs.ACTIVE and time.time() < deadline:
    time.sleep(0.2)
assert job.status == "done", job
run = spaces.load_space(job.run_id, corpus)
baseline = spaces.load_space("baseline", corpus)
summary, _ = analysis.compare_spaces(run, baseline, k=5)
found = analysis.compare_neighbors(*analysis.shared_spaces(run, baseline), "matrix", 5)
# AlignedUMAP is local numba code that costs 20-50 s cold on 2 cores: the report's maps get a stand-in layout
maps.aligned_layouts = lambda a, b, settings: (a[:, :2], b[:, :2])
html = report.build_report(run, baseline, corpus, report.ReportSettings(k=5, words=("matrix",), map_words=200))
print(json.dumps({"run": job.run_id, "shared": summary.shared_words, "neighbours": len(found.b),
                  "report": len(html), "baseline_words": len(baseline)}))
"""


def test_the_main_flow_runs_offline(offline):
    env, log = offline
    done = subprocess.run(
        [sys.executable, "-c", FLOW, str(ROOT / "sample_data" / "scipy_docs_small.txt")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["run"].startswith("run-") and result["neighbours"] == 5 and result["report"] > 1_000_000
    assert result["shared"] > 500 and result["baseline_words"] >= result["shared"]
    assert _attempts(log) == []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_server_starts_and_serves_offline(offline, tmp_path):
    """`streamlit run app.py` with the project's .streamlit/config.toml: no usage statistics, no IP look-ups."""
    env, log = offline
    port = _free_port()
    with (tmp_path / "server.log").open("wb") as output:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2) as response:
                    assert response.read() == b"ok"
                    break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, (tmp_path / "server.log").read_text()
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://localhost:{port}/", timeout=10) as response:
            assert b"<!doctype html>" in response.read().lower()
        time.sleep(1)  # anything the server does after its first requests
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert _attempts(log) == [], (tmp_path / "server.log").read_text()
