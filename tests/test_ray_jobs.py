"""Jobs on a real local Ray cluster (a head node and a worker node, token authentication on): a Word2Vec job gives
the same vectors as on this machine and says where it ran, a small fine-tune commits its run, two jobs at once go to
the two nodes, a cancel and a killed worker end in a clear state with nothing saved, and a submission without the
cluster's token is refused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import numpy as np
import pytest
from conftest import ROOT, notes_text
from ray_support import WORKER_RESOURCE

from embedlab import cluster, store
from embedlab.corpus import build_corpus
from embedlab.errors import EmbedLabError
from embedlab.spaces import load_space
from embedlab.training import FinetuneConfig, TrainConfig, jobs, train_run

pytestmark = pytest.mark.slow

SMALL = TrainConfig(dim=16, min_count=1, epochs=3, workers=1, seed=11)
LONG = TrainConfig(dim=64, min_count=1, epochs=1000, workers=1, seed=5)  # minutes on _long(): stopped midway


def _long():
    """About 50,000 tokens: LONG takes minutes on one core."""
    return build_corpus("long.txt", notes_text(2000))


def _wait(job_id: str, statuses: tuple[str, ...], timeout: float = 300):
    deadline = time.monotonic() + timeout
    while True:
        job = jobs.get_job(job_id)
        assert job is not None
        if job.status in statuses:
            return job
        assert time.monotonic() < deadline, f"{job_id} stayed {job.status} ({job.message})"
        time.sleep(0.5)


def _running(job_id: str):
    """Wait until the worker trains (an epoch reported), so a stop lands mid-training."""
    deadline = time.monotonic() + 300
    while True:
        job = jobs.get_job(job_id)
        assert job is not None and job.status in jobs.ACTIVE, (job.status, job.message)
        if job.status == "running" and job.progress > 0:
            return job
        assert time.monotonic() < deadline
        time.sleep(0.2)


def _ray_node(address: str, job_id: str) -> cluster.ClusterNode:
    info = cluster._client(address).get_job_info(job_id)
    return next(node for node in cluster.nodes(address) if node.id == info.driver_node_id)


def _nothing_saved(home) -> None:
    assert store.list_runs() == []
    assert [p.name for p in store.runs_dir().iterdir() if not p.name.startswith(".")] == []


def test_a_word2vec_job_on_ray_equals_the_local_run_and_says_where_it_ran(ray_cluster, fresh_home):
    corpus = build_corpus("notes.txt", notes_text(80))
    job_id = jobs.start_job(corpus.id, SMALL, backend="ray", ray_address=ray_cluster.address)
    job = _wait(job_id, ("done", "failed", "interrupted"))
    assert job.status == "done", job.message
    assert job.backend == "ray" and job.address == ray_cluster.address
    node = _ray_node(ray_cluster.address, job_id)
    assert not node.head and node.cpus == 1  # a tie in free cores goes to the worker, not the head
    assert job.node == node.label and job.node.startswith(f"Ray node {node.id[:8]} (") and job.node.endswith("worker)")
    log = (fresh_home / "jobs" / f"{job_id}.log").read_text()
    assert "Traceback" not in log
    # one thread and a seed: gensim is bit-reproducible, so the cluster's run is this machine's run
    on_ray = load_space(job.run_id, corpus)
    here = load_space(train_run(corpus, SMALL).id, corpus)
    assert on_ray.words == here.words and len(on_ray.words) == len(corpus.counts)
    np.testing.assert_array_equal(on_ray.vectors, here.vectors)
    record = store.get_run(job.run_id)
    assert record is not None and record.corpus_id == corpus.id and record.params == SMALL.to_dict()


def test_two_jobs_at_once_go_to_the_two_nodes_and_a_third_waits_saying_why(ray_cluster, fresh_home):
    corpus = _long()
    first = jobs.start_job(corpus.id, LONG, backend="ray", ray_address=ray_cluster.address)
    _running(first)
    second = jobs.start_job(corpus.id, replace(LONG, seed=6), backend="ray", ray_address=ray_cluster.address)
    _running(second)
    assert {_ray_node(ray_cluster.address, first).head, _ray_node(ray_cluster.address, second).head} == {False, True}
    third = jobs.start_job(corpus.id, SMALL, backend="ray", ray_address=ray_cluster.address)
    deadline = time.monotonic() + 60
    while (job := jobs.get_job(third)).message != jobs.WAITING_FOR_A_NODE:  # asked once its row is quiet 5 s
        assert job.status == "queued" and time.monotonic() < deadline, (job.status, job.message)
        time.sleep(0.5)
    assert jobs.progress_text(job).startswith(f"queued · {jobs.WAITING_FOR_A_NODE}")
    assert cluster.job_state(ray_cluster.address, third).status == "PENDING"
    assert jobs.cancel_job(first)  # its node's cores come free: the third goes there
    job = _wait(third, ("done", "failed", "interrupted"))
    assert job.status == "done" and job.message == ""
    assert _ray_node(ray_cluster.address, third).id == _ray_node(ray_cluster.address, first).id
    assert jobs.cancel_job(second)
    assert _wait(first, ("cancelled",)).status == _wait(second, ("cancelled",)).status == "cancelled"


def test_a_small_finetune_on_ray_commits_its_run(ray_cluster, fresh_home):
    corpus = build_corpus("notes.txt", notes_text(80))
    job_id = jobs.start_job(
        corpus.id, FinetuneConfig(max_pairs=16, batch_size=8), backend="ray", ray_address=ray_cluster.address
    )
    job = _wait(job_id, ("done", "failed", "interrupted"), timeout=600)
    assert job.status == "done", job.message
    assert job.node.startswith("Ray node ")
    record = store.get_run(job.run_id)
    assert record is not None and record.method.value == "sentence-transformer"
    assert (fresh_home / "runs" / job.run_id / "model").is_dir()
    assert load_space(job.run_id, corpus).vectors.shape[1] == 384


def test_a_cancelled_job_on_ray_stops_and_saves_nothing(ray_cluster, fresh_home):
    corpus = _long()
    job_id = jobs.start_job(corpus.id, LONG, backend="ray", ray_address=ray_cluster.address)
    _running(job_id)
    assert jobs.cancel_job(job_id)
    assert jobs.get_job(job_id).status == "cancelled"
    deadline = time.monotonic() + 60
    while cluster.job_state(ray_cluster.address, job_id).status != "STOPPED":
        assert time.monotonic() < deadline, "Ray did not stop the job"
        time.sleep(0.5)
    job = jobs.get_job(job_id)
    assert job.status == "cancelled" and job.run_id is None and job.message == "cancelled by you; nothing was saved"
    _nothing_saved(fresh_home)
    assert not jobs.cancel_job(job_id)  # already ended


def test_a_killed_worker_on_ray_ends_interrupted_with_rays_reason_and_nothing_saved(ray_cluster, fresh_home):
    corpus = _long()
    job_id = jobs.start_job(corpus.id, LONG, backend="ray", ray_address=ray_cluster.address)
    job = _running(job_id)
    os.kill(job.pid, signal.SIGKILL)  # the worker process dies as an out-of-memory kill would take it
    job = _wait(job_id, ("interrupted", "failed", "done"), timeout=120)
    assert job.status == "interrupted"
    assert job.message.startswith("The job on the Ray cluster ended before it saved its run (failed: ")
    assert job.message.endswith("Nothing was saved; start the training again.")
    _nothing_saved(fresh_home)


def _submit_in_a_fresh_process(address: str, home, env: dict[str, str]) -> dict:
    """start_job in a new process (Ray reads its token settings when first imported) with ``env``."""
    code = (
        "import json, sys\n"
        "from embedlab import store\n"
        "from embedlab.errors import EmbedLabError\n"
        "from embedlab.training import TrainConfig, jobs\n"
        "try:\n"
        f"    jobs.start_job(sys.argv[1], TrainConfig(min_count=1, epochs=1), backend='ray', ray_address={address!r})\n"
        "    print(json.dumps({'error': None}))\n"
        "except EmbedLabError as error:\n"
        "    job = store.list_jobs()[0]\n"
        "    print(json.dumps({'error': str(error), 'job': job.id, 'status': job.status, 'message': job.message}))\n"
    )
    corpus = build_corpus("notes.txt", notes_text(20))
    done = subprocess.run(
        [sys.executable, "-c", code, corpus.id],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**env, "EMBEDLAB_HOME": str(home), "HOME": str(home)},  # no ~/.ray/auth_token to fall back on
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("token", ["none", "wrong"])
def test_a_submission_without_the_clusters_token_is_refused(token, ray_cluster, fresh_home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    if token == "wrong":
        env |= {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": "0" * 64}
    answer = _submit_in_a_fresh_process(ray_cluster.address, fresh_home, env)
    assert answer["error"].startswith(f"the Ray cluster at {ray_cluster.address} refused EmbedLab: it needs its token")
    assert answer["status"] == "failed" and answer["message"] == answer["error"]
    assert "0" * 64 not in answer["error"] and ray_cluster.token_path.read_text() not in answer["error"]
    with pytest.raises(RuntimeError, match="does not exist|not found|404"):  # nothing reached the cluster
        cluster._client(ray_cluster.address).get_job_info(answer["job"])


def test_an_unreachable_cluster_is_a_clear_message_and_a_failed_job(fresh_home):
    corpus = build_corpus("notes.txt", notes_text(20))
    with pytest.raises(
        EmbedLabError, match=r"cannot reach the Ray cluster at http://127\.0\.0\.1:9 .*check the address"
    ):
        jobs.start_job(corpus.id, SMALL, backend="ray", ray_address="127.0.0.1:9")
    (job,) = jobs.list_jobs()
    assert job.status == "failed" and job.backend == "ray" and "cannot reach the Ray cluster" in job.message
    with pytest.raises(EmbedLabError, match="no Ray cluster is configured"):
        jobs.start_job(corpus.id, SMALL, backend="ray")
    assert WORKER_RESOURCE  # (the worker node's resource name, used by the ingest tests)


def _train_page():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/train.py")
    return at.run()


def test_the_train_page_shows_the_cluster_and_where_its_job_runs(ray_cluster, fresh_home, monkeypatch):
    build_corpus("notes.txt", notes_text(80))
    at = _train_page()
    assert not at.exception
    assert at.text_input(key="train_ray_address").value == ""
    assert any(c.value.startswith("Jobs run on this machine (") for c in at.caption)

    monkeypatch.setenv(cluster.ADDRESS_VARIABLE, ray_cluster.address)
    at = _train_page()
    assert at.text_input(key="train_ray_address").value == ray_cluster.address
    assert any(
        c.value == f"Jobs run on the Ray cluster at {ray_cluster.address}: 2 nodes, 2 of 2 CPUs and 0 of 0 GPUs free "
        "(EmbedLab's jobs counted)."
        for c in at.caption
    )
    (table,) = [frame.value for frame in at.dataframe if "node" in frame.value.columns]
    assert len(table) == 2 and table["CPUs"].tolist() == [1.0, 1.0]
    assert table["node"].str.endswith("head)").tolist() == [True, False]

    at.number_input(key="train_epochs").set_value(2)
    at.button(key="FormSubmitter:train_form-Start training").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    (job,) = jobs.list_jobs()
    assert job.backend == "ray" and job.node.endswith("worker)")
    assert _wait(job.id, ("done", "failed", "interrupted")).status == "done"
    at.run()
    done = [s.value for s in at.success if "done: run" in s.value]
    assert done and job.node in done[0]

    at.text_input(key="train_ray_address").set_value("127.0.0.1:9").run()
    shown = [e.value.replace("\\", "") for e in at.error]  # (the markdown escapes "//" against autolinks)
    assert any(m.startswith("cannot reach the Ray cluster at http://127.0.0.1:9 (") for m in shown), shown

    # fine-tuning on a cluster offers data-parallel replicas; on this machine it does not
    at.radio(key="train_method").set_value("sentence-transformer").run()
    assert at.number_input(key="ft_replicas").value == 1
    at.text_input(key="train_ray_address").set_value("").run()
    assert "ft_replicas" not in [n.key for n in at.number_input]
    assert any(c.value.startswith("Jobs run on this machine (") for c in at.caption)


def test_a_job_on_ray_outlives_the_app_that_started_it(ray_cluster, fresh_home):
    """The app's process starts a job and ends (a restart); the job goes on on the cluster, and a new app process
    (here, this one) finds it done."""
    corpus = build_corpus("notes.txt", notes_text(400))
    code = (
        "import sys\n"
        "from embedlab.training import TrainConfig, jobs\n"
        f"print(jobs.start_job(sys.argv[1], TrainConfig(min_count=1, epochs=30, workers=1), backend='ray', "
        f"ray_address={ray_cluster.address!r}))\n"
    )
    started = subprocess.run(
        [sys.executable, "-c", code, corpus.id], capture_output=True, text=True, cwd=ROOT, timeout=120, check=True
    )
    job_id = started.stdout.strip().splitlines()[-1]
    assert jobs.get_job(job_id).status in jobs.ACTIVE  # the app is gone, the job is not
    job = _wait(job_id, ("done", "failed", "interrupted"))
    assert job.status == "done" and store.get_run(job.run_id) is not None


def test_a_lost_worker_node_ends_its_job_interrupted_and_nothing_saved(ray_cluster, fresh_home):
    """The worker node's raylet is killed mid-training, as a lost machine would be: Ray fails the job, its worker
    process goes with the node, and the job ends interrupted with Ray's reason; the cluster's head lives on."""
    import tempfile
    from pathlib import Path

    from ray_support import RayCluster

    own = RayCluster(Path(tempfile.mkdtemp(prefix="elray-")), token=ray_cluster.token)  # one token per process
    try:
        own.start()
        corpus = _long()
        job_id = jobs.start_job(corpus.id, LONG, backend="ray", ray_address=own.address)
        job = _running(job_id)
        assert job.node.endswith("worker)")
        raylets = own.worker_raylet_pids()
        assert len(raylets) == 1
        os.kill(raylets[0], signal.SIGKILL)
        job = _wait(job_id, ("interrupted", "failed", "done"), timeout=180)
        assert job.status == "interrupted", job.message
        assert job.message.startswith("The job on the Ray cluster ended before it saved its run (")
        deadline = time.monotonic() + 60
        while os.path.exists(f"/proc/{job.pid}"):  # the worker process does not outlive its node
            assert time.monotonic() < deadline, "the job's worker outlived its node"
            time.sleep(0.5)
        _nothing_saved(fresh_home)
        assert [n.head for n in cluster.nodes(own.address)] == [True]
    finally:
        own.stop()


def test_a_data_parallel_finetune_on_ray_trains_two_replicas_and_commits(ray_cluster, fresh_home):
    """Ray Train runs two replicas (one per node's CPU here; one per GPU on a GPU cluster) with the in-batch
    negatives gathered across both; the job commits one model, trained on both replicas' shares."""
    from embedlab.spaces import baseline
    from embedlab.training import finetune

    corpus = build_corpus("notes.txt", notes_text(80))
    config = FinetuneConfig(max_pairs=40, batch_size=4)
    job_id = jobs.start_job(corpus.id, config, backend="ray", ray_address=ray_cluster.address, replicas=2)
    job = _wait(job_id, ("done", "failed", "interrupted"), timeout=900)
    assert job.status == "done", (job.message, (fresh_home / "jobs" / f"{job_id}.log").read_text()[-3000:])
    assert job.node == "the Ray cluster: 2 data-parallel replicas (CPU)"
    params = finetune.run_params(job.run_id)
    assert params["replicas"] == 2
    steps = -(-params["train_pairs"] // (config.batch_size * 2))  # each step: a batch on each replica
    assert params["pairs_trained"] == min(params["train_pairs"], steps * config.batch_size * 2)
    tuned = load_space(job.run_id, corpus)
    base = baseline.encode_words(list(tuned.words))
    assert float(np.mean(np.sum(tuned.vectors * base, axis=1))) < 0.99999  # the weights moved
    assert not (fresh_home / "runs" / job.run_id / "trainer").exists()
    # the job encoded the corpus words with two model replicas too, into the file Compare reads
    from embedlab.spaces.load import transformer_vocabulary

    words = list(transformer_vocabulary(corpus))
    model_dir = fresh_home / "runs" / job.run_id / "model"
    cached = baseline.vectors_cache_path(words, model_dir)
    assert cached.is_file()
    by_replicas = np.load(cached)
    here = baseline.encode_texts(words, model_dir=model_dir, backend="torch")
    assert by_replicas.shape == here.shape == (len(words), 384)
    assert float(np.max(1 - np.sum(by_replicas.astype(np.float64) * here, axis=1))) < 1e-3


def test_replicas_need_a_cluster_and_a_finetune(fresh_home):
    corpus = build_corpus("notes.txt", notes_text(20))
    with pytest.raises(EmbedLabError, match="data-parallel replicas need a Ray cluster"):
        jobs.start_job(corpus.id, FinetuneConfig(max_pairs=16), backend="local", replicas=2)
    with pytest.raises(EmbedLabError, match="Word2Vec and FastText train on one node"):
        jobs.start_job(corpus.id, SMALL, backend="ray", ray_address="127.0.0.1:9", replicas=2)
    assert jobs.list_jobs() == []
