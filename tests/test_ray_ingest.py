"""A corpus of many files read, tokenised and counted with Ray Data on a real local Ray cluster (head + worker):
the same corpus id, sentences, counts, labels, notices and statistics as the local path, byte for byte, for an
archive that mixes every kind of member the local path reads."""

from __future__ import annotations

import io
import json
import os
import unicodedata
import zipfile

import pytest

from embedlab import store
from embedlab.corpus import ReadOptions, TokenizeOptions, build_corpus
from embedlab.corpus.parallel import build_corpus_in_parallel
from embedlab.errors import EmbedLabError

pytestmark = pytest.mark.slow

TOPICS = ["sparse matrix solvers", "heart failure drugs", "contract termination clauses", "gradient descent steps"]


def _archive() -> bytes:
    """40-odd members: plain text and Markdown (one with decomposed accents, one in Chinese, one with a
    1,500-token sentence), CSV and JSONL tables, a semicolon CSV, a nested archive, a hidden file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(32):
            topic = TOPICS[i % len(TOPICS)]
            body = "\n\n".join(
                f"Document {i}.{j} is about {topic}. It mentions {topic.split()[0]} {j} times." for j in range(6)
            )
            archive.writestr(f"notes/{i:02d}.{'md' if i % 5 == 0 else 'txt'}", body)
        archive.writestr(
            "notes/accents.txt", unicodedata.normalize("NFD", "Le café était déjà fermé. Élève naïve à Noël.")
        )
        archive.writestr("notes/chinese.txt", "我们在北京学习机器学习。今天天气很好。")
        archive.writestr("notes/long.txt", " ".join(f"word{i % 97}" for i in range(1500)) + ".")
        rows = [{"text": f"Ticket {i}: the {TOPICS[i % 4]} failed again", "label": f"team-{i % 3}"} for i in range(30)]
        archive.writestr("tables/tickets.csv", "text,label\n" + "".join(f"{r['text']},{r['label']}\n" for r in rows))
        archive.writestr("tables/more.jsonl", "".join(json.dumps(r) + "\n" for r in rows[:10]))
        archive.writestr(
            "tables/semi.csv", "text;label\n" + "".join(f"{r['text']};{r['label']}\n" for r in rows[10:20])
        )
        archive.writestr("inner.zip", b"PK\x05\x06" + b"\0" * 18)
        archive.writestr(".hidden.txt", "never read")
    return buffer.getvalue()


def _stored(corpus_id: str) -> dict[str, bytes]:
    folder = store.corpora_dir() / corpus_id
    return {name: (folder / name).read_bytes() for name in ("sentences.txt", "counts.tsv", "meta.json")}


@pytest.fixture
def connected(ray_cluster):
    """This test process as a Ray driver on the cluster (as the ingest's Ray Job is)."""
    import ray  # the fixture set the token settings before this first import

    ray.init(address=ray_cluster.gcs, logging_level="ERROR", log_to_driver=False)
    try:
        yield ray_cluster
    finally:
        ray.shutdown()


@pytest.mark.parametrize(
    "read, tokenize",
    [
        (ReadOptions(), TokenizeOptions()),
        (ReadOptions(label_column="label"), TokenizeOptions(lowercase=False)),
        (ReadOptions(), TokenizeOptions(phrases=True)),
    ],
    ids=["plain", "labels-cased", "phrases"],
)
def test_a_parallel_ingest_stores_the_local_paths_corpus_byte_for_byte(
    read, tokenize, connected, tmp_path, monkeypatch
):
    data = _archive()
    path = tmp_path / "corpus.zip"
    path.write_bytes(data)

    monkeypatch.setenv("EMBEDLAB_HOME", str(tmp_path / "local"))
    local = build_corpus("corpus.zip", data, read, tokenize)
    expected = _stored(local.id)

    monkeypatch.setenv("EMBEDLAB_HOME", str(tmp_path / "ray"))
    report: dict = {}
    parallel = build_corpus_in_parallel(path, "corpus.zip", read, tokenize, members_per_task=2, report=report)
    assert parallel.id == local.id
    assert _stored(parallel.id) == expected
    assert parallel.stats == local.stats and parallel.labels == local.labels and parallel.notices == local.notices
    assert [c.id for c in store.list_corpora()] == [local.id]
    assert report["members"] == 38 and report["tasks"] == 19
    assert len(report["nodes"]) == 2  # both nodes tokenised members
    assert not [p for p in store.corpora_dir().iterdir() if p.name.startswith(".staging")]  # parts cleared

    # what the local path found, checked on the parallel result
    meta = json.loads(expected["meta.json"])
    assert any("Unicode normal form C" in n for n in meta["notices"]) and any("inner.zip" in n for n in meta["notices"])
    assert parallel.stats.segmenter is not None and parallel.stats.split_sentences == 1
    if read.label_column:
        assert (
            parallel.labels.count("team-0") == 10 + 4 + 3 and parallel.labels.count("") == 32 * 6 + 3
        )  # text members: no label
    if tokenize.phrases:
        assert any("_" in word for word in parallel.counts)


def test_a_parallel_ingest_refuses_what_the_local_path_refuses(connected, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_HOME", str(tmp_path / "home"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(4):
            archive.writestr(f"{i}.txt", "-- ++\n\n... !!")
    path = tmp_path / "numbers.zip"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(EmbedLabError) as local:
        build_corpus("numbers.zip", path.read_bytes())
    with pytest.raises(EmbedLabError) as parallel:
        build_corpus_in_parallel(path)
    assert str(parallel.value) == str(local.value) and "no words found (8 documents" in str(local.value)
    assert store.list_corpora() == [] and not list(store.corpora_dir().iterdir())


def test_the_cli_reads_a_zip_on_the_cluster_and_trains_there(ray_cluster, tmp_path, monkeypatch):
    """`train corpus.zip --backend ray`: the archive is read by a Ray Job with Ray Data (the corpus the local
    path stores) and the Word2Vec job runs as a Ray Job; the JSON says where."""
    import subprocess
    import sys

    from conftest import ROOT

    path = tmp_path / "corpus.zip"
    path.write_bytes(_archive())
    monkeypatch.setenv("EMBEDLAB_HOME", str(tmp_path / "local"))
    expected = build_corpus("corpus.zip", path.read_bytes())
    home = tmp_path / "cluster-home"
    env = {**os.environ, "EMBEDLAB_HOME": str(home)}
    args = ["train", str(path), "--backend", "ray", "--ray-address", ray_cluster.address, "--epochs", "2"]
    done = subprocess.run(
        [sys.executable, "-m", "embedlab", *args, "--workers", "1", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["corpus_id"] == expected.id and result["backend"] == "ray"
    assert result["node"].startswith("Ray node ") and result["vocab_size"] > 50
    monkeypatch.setenv("EMBEDLAB_HOME", str(home))
    assert _stored(expected.id) == {
        name: (tmp_path / "local" / "corpora" / expected.id / name).read_bytes()
        for name in ("sentences.txt", "counts.tsv", "meta.json")
    }
    ingests = [p.name for p in (home / "jobs").glob("ingest-*.log")]
    assert len(ingests) == 1 and list((home / "uploads").iterdir())[0].suffix == ".zip"

    bad = tmp_path / "numbers.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("a.txt", "-- ++")
    failed = subprocess.run(
        [sys.executable, "-m", "embedlab", "train", str(bad), "--backend", "ray", "--ray-address", ray_cluster.address],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    assert failed.returncode == 1
    assert failed.stderr.startswith("embedlab train: error: numbers.zip: no words found (1 documents")
    assert "(the log: " in failed.stderr and "Traceback" not in failed.stderr


def test_the_corpus_page_reads_a_zip_on_the_configured_cluster(ray_cluster, tmp_path, monkeypatch):
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    from embedlab import cluster

    data = _archive()
    monkeypatch.setenv("EMBEDLAB_HOME", str(tmp_path / "local"))
    expected = build_corpus("corpus.zip", data)
    monkeypatch.setenv("EMBEDLAB_HOME", str(tmp_path / "app"))
    monkeypatch.setenv(cluster.ADDRESS_VARIABLE, ray_cluster.address)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.switch_page("pages/corpus.py").run()
    at.file_uploader(key="corpus_upload").set_value(("corpus.zip", data, "application/zip")).run()
    assert any(
        c.value
        == f"This archive's files are read and tokenised in parallel on the Ray cluster at {ray_cluster.address}."
        for c in at.caption
    )
    labels = [box for box in at.selectbox if box.key == "corpus_label_column"]
    for box in labels:  # the page pre-selects the column that looks like a label: read as the local corpus was
        box.set_value("(none)").run()
    at.button(key="corpus_process").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [c.id for c in store.list_corpora()] == [expected.id]
    assert _stored(expected.id) == {
        name: (tmp_path / "local" / "corpora" / expected.id / name).read_bytes()
        for name in ("sentences.txt", "counts.tsv", "meta.json")
    }
    assert len(list((tmp_path / "app" / "jobs").glob("ingest-*.log"))) == 1  # it went through the cluster
