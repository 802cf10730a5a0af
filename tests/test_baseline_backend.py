"""The baseline's OpenVINO backend: its vectors agree with torch's (float32 and bfloat16), its ONNX export is made
locally (no network), cached in the data folder and reused, and torch encodes whenever it cannot load."""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from embedlab.spaces import baseline

pytestmark = pytest.mark.slow

GOAL = 1e-3  # the tolerance: OpenVINO's vectors within 1e-3 cosine of torch's


def _varied_words() -> list[str]:
    """A few hundred words the model keeps whole, splits into pieces, or meets as odd input."""
    whole = list(baseline.whole_word_vocabulary()[1000:1500:2])
    split = ["eigendecomposition", "hyperparameters", "nonzero", "Cholesky", "orthogonalisation", "pseudoinverse"]
    split += [f"{a}{b}{c}" for a in ("ka", "zu", "ple") for b in ("ri", "mon", "xt") for c in ("o", "ence", "ify")]
    odd = [
        "",
        " ",
        "a",
        "Über-fast",
        "don't",
        "naïve",
        "日本語",
        "Ａｂｃ",
        "x" * 400,
        "MiXeD",
        "e=mc^2",
        "😀",
        "\u200b",
    ]
    return whole + split + odd


SENTENCES = [
    "The eigendecomposition of a symmetric matrix gives real eigenvalues and orthogonal eigenvectors.",
    "A sparse matrix stores only the nonzero entries.",
    "Über-fast solvers don't need dense matrices; the matrix is sparse, the solver is iterative.",
    " ".join(["A Fourier transform maps a signal to its spectrum."] * 30),  # longer than 128 word pieces
    "short",
]


@pytest.fixture
def no_failures(monkeypatch):
    """Forget failures recorded by other tests, and any encoder loaded for the bundled model."""
    monkeypatch.setattr(baseline, "_failures", {})
    baseline._encoder_once.cache_clear()
    yield
    baseline._encoder_once.cache_clear()


@pytest.fixture
def offline(monkeypatch):
    """No hub and no sockets: an export that tried to download anything fails."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def refuse(*args, **kwargs):
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _cosine_gap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return 1.0 - np.sum(a.astype(np.float64) * b, axis=1)


@pytest.mark.parametrize("bf16", [False, True], ids=["f32", "bf16"])
def test_openvino_vectors_match_torch_for_words_and_sentences(bf16, fresh_home, no_failures, offline, monkeypatch):
    if bf16 and not baseline._cpu_has_bf16():
        pytest.skip("this CPU has no native bfloat16: OpenVINO runs float32 here")
    monkeypatch.setattr(baseline, "USE_BF16", bf16)
    texts = _varied_words() + SENTENCES
    assert len(texts) > 290
    fast = baseline.encode_texts(texts, backend="openvino")
    torch = baseline.encode_texts(texts, backend="torch")
    assert fast.shape == torch.shape == (len(texts), 384) and fast.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    gap = _cosine_gap(fast, torch)
    assert gap.max() < GOAL
    # measured: float32 about 5e-7 (rounding), bfloat16 about 1e-4; a padding or pooling slip costs far more
    assert gap.max() < (5e-4 if bf16 else 1e-5)
    # a word's vector does not depend on the batch it was padded in (the attention mask is honoured)
    alone = baseline.encode_texts(["matrix"], backend="openvino")[0]
    mixed = baseline.encode_texts(["matrix", SENTENCES[3]], backend="openvino")[0]
    np.testing.assert_allclose(mixed, alone, atol=1e-5)
    # the graph reads texts with the model's own tokenizer, exactly as the sentence-transformer does
    encoder = baseline.openvino_encoder()
    assert encoder is not None and encoder.precision == ("bf16" if bf16 else "f32")
    ours = [e.ids for e in encoder.tokenizer.encode_batch(texts)]
    theirs = baseline.load_model().tokenizer(texts, truncation=True, max_length=baseline.MAX_TOKENS)["input_ids"]
    assert ours == theirs
    assert max(len(ids) for ids in ours) == baseline.MAX_TOKENS


def test_export_is_cached_in_the_data_folder_and_reused(fresh_home, no_failures, offline, monkeypatch):
    path = baseline.onnx_path()
    assert not path.exists()
    killed = path.parent / f".staging-{path.name}-pid{2**22 + 7}-x"  # an export killed an hour ago, by a dead pid
    killed.mkdir(parents=True)
    (killed / "model.onnx").write_bytes(b"half")
    os.utime(killed, (time.time() - 7200, time.time() - 7200))
    model_files = sorted(p.name for p in baseline.model_path().rglob("*"))
    encoder = baseline.openvino_encoder()
    assert encoder is not None and encoder.path == path
    assert path.is_file() and path.parent == fresh_home / "cache" / "onnx"
    assert not [p for p in path.parent.iterdir() if p != path]  # no staging folder or temp file left, old or new
    assert sorted(p.name for p in baseline.model_path().rglob("*")) == model_files  # nothing written there
    mtime = path.stat().st_mtime_ns

    def no_export(*args):
        raise AssertionError("the model was exported again")

    monkeypatch.setattr(baseline, "_export_onnx", no_export)
    baseline._encoder_once.cache_clear()  # as a new process would: only the file is left
    again = baseline.openvino_encoder()
    assert again is not None and again is not encoder and again.path == path
    assert path.stat().st_mtime_ns == mtime
    np.testing.assert_allclose(again.encode(["matrix"]), encoder.encode(["matrix"]), atol=1e-7)


def test_vectors_are_cached_under_what_computed_them(fresh_home, no_failures, monkeypatch):
    words = ["matrix", "eigenvalues", "sparsity"]
    fast = baseline.encode_words(words)  # the default backend
    precision = baseline.openvino_precision()
    name = baseline.vectors_cache_path(words, produced_by=f"openvino-{precision}").name
    assert name.startswith(f"baseline-all-MiniLM-L6-v2-openvino-{precision}-128-")
    assert baseline.vectors_cache_path(words, produced_by=f"openvino-{precision}").is_file()
    assert baseline.vectors_cache_path(words) == baseline.vectors_cache_path(words, produced_by=f"openvino-{precision}")
    assert not baseline.vectors_cache_path(words, produced_by="torch").exists()  # torch's name, as before OpenVINO
    torch = baseline.encode_words(words, backend="torch")
    assert baseline.vectors_cache_path(words, produced_by="torch").is_file()
    assert _cosine_gap(fast, torch).max() < GOAL
    monkeypatch.setattr(baseline, "USE_BF16", False)
    baseline.encode_words(words)
    assert baseline.vectors_cache_path(words, produced_by="openvino-f32").is_file()


def test_the_environment_can_ask_for_torch(fresh_home, no_failures, monkeypatch):
    monkeypatch.setenv(baseline.BACKEND_VARIABLE, "torch")
    baseline.encode_words(["matrix"])
    assert baseline.vectors_cache_path(["matrix"]) == baseline.vectors_cache_path(["matrix"], produced_by="torch")
    assert list(fresh_home.glob("cache/baseline-*.npy")) == [baseline.vectors_cache_path(["matrix"])]
    assert not baseline.onnx_path().exists()


def test_torch_encodes_when_the_export_fails_and_says_so_once(fresh_home, no_failures, monkeypatch, caplog):
    def broken(folder, target):
        raise RuntimeError("exporter exploded")

    monkeypatch.setattr(baseline, "_export_onnx", broken)
    words = ["matrix", "eigenvalues"]
    with caplog.at_level(logging.WARNING, logger=baseline.__name__):
        first = baseline.encode_words(words)
        baseline.encode_words(["signal"])
    reference = baseline.load_model().encode(words, normalize_embeddings=True)
    np.testing.assert_allclose(first, reference, atol=1e-5)
    assert baseline.vectors_cache_path(words, produced_by="torch").is_file()  # torch's name: what computed them
    assert baseline.vectors_cache_path(words) == baseline.vectors_cache_path(words, produced_by="torch")
    assert not list(fresh_home.glob("cache/baseline-*openvino*"))
    warnings = [r.getMessage() for r in caplog.records if "OpenVINO cannot encode" in r.getMessage()]
    assert len(warnings) == 1 and "exporter exploded" in warnings[0] and "encoding with torch" in warnings[0]
    assert "exporter exploded" in (baseline.openvino_problem() or "")


def test_torch_encodes_when_openvino_is_missing(fresh_home, no_failures, monkeypatch, caplog):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "openvino" else real(name))
    with caplog.at_level(logging.WARNING, logger=baseline.__name__):
        vectors = baseline.encode_words(["matrix"])
    assert baseline.openvino_problem() == "openvino not installed"
    assert baseline.openvino_encoder() is None
    assert vectors.shape == (1, 384)
    assert baseline.vectors_cache_path(["matrix"], produced_by="torch").is_file()
    assert not baseline.onnx_path().exists()
    assert sum("openvino not installed" in r.getMessage() for r in caplog.records) == 1


def test_a_saved_sentence_transformer_is_exported_too(tmp_path, fresh_home, no_failures, offline):
    folder = tmp_path / "model"
    baseline.load_model().save(str(folder))  # what a fine-tuning run leaves in its model/ folder
    encoder = baseline.openvino_encoder(folder)
    assert encoder is not None and encoder.path.name.startswith("model-")
    texts = ["matrix", "eigendecomposition", SENTENCES[0]]
    fast = baseline.encode_texts(texts, model_dir=folder)
    torch = baseline.encode_texts(texts, model_dir=folder, backend="torch")
    assert _cosine_gap(fast, torch).max() < GOAL


def test_a_model_the_export_does_not_reproduce_stays_with_torch(tmp_path, fresh_home, no_failures, caplog):
    folder = tmp_path / "cls-model"
    shutil.copytree(baseline.model_path(), folder)
    pooling = folder / "1_Pooling" / "config.json"
    settings = json.loads(pooling.read_text())
    settings.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    pooling.write_text(json.dumps(settings))
    with caplog.at_level(logging.WARNING, logger=baseline.__name__):
        assert baseline.openvino_encoder(folder) is None
    assert "is not the mean of the tokens" in (baseline.openvino_problem(folder) or "")
    vectors = baseline.encode_words(["matrix"], model_dir=folder)
    assert baseline.vectors_cache_path(["matrix"], folder) == baseline.vectors_cache_path(["matrix"], folder, "torch")
    assert baseline.vectors_cache_path(["matrix"], folder).is_file()
    assert vectors.shape == (1, 384)


# Every look-up or connection beyond this machine is refused and written to a log, in the process and in any it
# forks (openvino_telemetry sends from a forked process).
_GUARD = """
import json, os, socket, sys
_LOG = os.environ["EMBEDLAB_NETWORK_LOG"]
def _refuse(call, target):
    with open(_LOG, "a") as log:
        log.write(json.dumps({"pid": os.getpid(), "call": call, "target": repr(target)}) + "\\n")
    raise OSError(101, "network is unreachable (test)")
_getaddrinfo = socket.getaddrinfo
def getaddrinfo(host, *args, **kwargs):
    if host not in ("localhost", "127.0.0.1", "::1", None, ""):
        _refuse("getaddrinfo", host)
    return _getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = getaddrinfo
_connect = socket.socket.connect
def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "::1"):
        _refuse("connect", address)
    return _connect(self, address)
socket.socket.connect = connect
"""


def _network_attempts(tmp_path, code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter behind the guard; the outside targets it tried. Without the variables
    that tell openvino_telemetry it runs in CI (it keeps quiet there), and with a HOME of its own (no consent file
    under ~/intel), as on a user's machine."""
    log = tmp_path / "network.log"
    log.unlink(missing_ok=True)
    log.touch()
    script = _GUARD + code + "\nimport time; time.sleep(3)  # the telemetry sender is a forked process\n"
    env = {key: value for key, value in os.environ.items() if key not in ("CI", "TF_BUILD", "JENKINS_URL")}
    (tmp_path / "user").mkdir(exist_ok=True)
    env.update(EMBEDLAB_NETWORK_LOG=str(log), EMBEDLAB_HOME=str(tmp_path / "home"), HOME=str(tmp_path / "user"))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line)["target"] for line in log.read_text().splitlines()]


def test_openvino_sends_no_usage_statistics(tmp_path):
    encode = "from embedlab.spaces import baseline\nassert baseline.encode_words(['matrix']).shape == (1, 384)\n"
    assert _network_attempts(tmp_path, encode) == []
    # the control: a plain import of openvino 2026.4 does try to send its "general_import" event; if this fails,
    # openvino changed how it sends (or stopped): check baseline._openvino's workaround still holds
    assert "'www.google-analytics.com'" in _network_attempts(tmp_path, "import openvino\n")
