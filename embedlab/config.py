"""Where EmbedLab keeps its data, the limits it enforces, and the offline switches."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "BASELINE_VOCAB_CAP",
    "SAMPLE_DATA_DIR",
    "MAX_LINE_MB",
    "MAX_UPLOAD_MB",
    "MAX_ZIP_EXPANDED_BYTES",
    "MAX_ZIP_MEMBERS",
    "home",
    "make_offline",
    "offline_environment",
    "sample_files",
]

MAX_UPLOAD_MB = 200  # a corpus file, uploaded or read by the CLI (and Streamlit's server.maxUploadSize)
MAX_ZIP_EXPANDED_BYTES = 1024 * 1024 * 1024
MAX_ZIP_MEMBERS = 10_000
# One line is one document (or part of one): past this it is minified data or a file without line breaks, and
# tokenising it would hold the whole line's tokens in memory at once.
MAX_LINE_MB = 10
# Encoding a word with MiniLM costs ~1 ms on two CPU cores; past this many corpus words the baseline keeps
# only the most frequent ones (the long tail of hapaxes says little about a neighbourhood).
BASELINE_VOCAB_CAP = 20_000

_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "RAY_USAGE_STATS_ENABLED": "0",  # Ray, where a cluster is configured, would report usage to Anyscale
}


def home() -> Path:
    """The data folder: ``$EMBEDLAB_HOME`` or ``~/.embedlab``, created on first use."""
    path = Path(os.environ.get("EMBEDLAB_HOME") or "~/.embedlab").expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def offline_environment() -> dict[str, str]:
    """The variables :func:`make_offline` sets, for a process EmbedLab starts elsewhere (a job on a Ray cluster)."""
    return dict(_OFFLINE_ENV)


def make_offline() -> None:
    """Make every Hugging Face library refuse the network before any of them is imported."""
    for name, value in _OFFLINE_ENV.items():
        os.environ.setdefault(name, value)


SAMPLE_DATA_DIR = Path(__file__).resolve().parent.parent / "sample_data"
SAMPLE_SUFFIXES = (".txt", ".md", ".csv", ".tsv", ".jsonl", ".zip")


def sample_files() -> list[Path]:
    """The corpora shipped in ``sample_data/`` (its README excluded)."""
    if not SAMPLE_DATA_DIR.is_dir():
        return []
    return sorted(
        p for p in SAMPLE_DATA_DIR.iterdir() if p.suffix.lower() in SAMPLE_SUFFIXES and p.name.lower() != "readme.md"
    )


# Uploaded vectors files (word2vec/GloVe/fastText). Streamlit's server.maxUploadSize caps every upload too, so
# this stays at or below it; trimming a big file to its most frequent words (listed first) is the way round.
MAX_VECTORS_MB = 200
__all__ += ["MAX_VECTORS_MB"]
