"""What the benchmarks share: pinned threads, a scratch EMBEDLAB_HOME, synthetic corpora, child processes timed
with their peak memory, interleaved repeats, and the step / raw / app / ratio / goal table they all print.

Call :func:`pin_threads` before numpy, torch or numba are imported: the thread pools read the environment only
when they start.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
THREADS = 2  # the machine the goals are set for has 2 cores
_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMBA_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def pin_threads(threads: int = THREADS) -> None:
    """Fix every thread pool (BLAS, OpenMP, numba, torch) at ``threads``, here and in child processes."""
    for name in _THREAD_VARIABLES:
        os.environ[name] = str(threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def pin_torch(threads: int = THREADS) -> None:
    """torch reads no environment variable for its intra-op pool once imported: set it explicitly."""
    import torch

    torch.set_num_threads(threads)


@contextlib.contextmanager
def scratch_home(prefix: str) -> Iterator[Path]:
    """A temporary EMBEDLAB_HOME for the duration (children inherit it); deleted afterwards, never ~/.embedlab.

    Yields:
        The temporary folder; the data folder is its ``home`` subfolder.
    """
    work = Path(tempfile.mkdtemp(prefix=f"embedlab-bench-{prefix}-"))
    previous = os.environ.get("EMBEDLAB_HOME")
    os.environ["EMBEDLAB_HOME"] = str(work / "home")
    try:
        yield work
    finally:
        if previous is None:
            os.environ.pop("EMBEDLAB_HOME", None)
        else:
            os.environ["EMBEDLAB_HOME"] = previous
        shutil.rmtree(work, ignore_errors=True)


# ----------------------------------------------------------------------------------------------- synthetic text

_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]


def pseudo_words(count: int, seed: int) -> list[str]:
    """``count`` distinct lowercase pronounceable words of 2-4 syllables, the same for the same seed."""
    import numpy as np

    rng = np.random.default_rng(seed)
    words: dict[str, None] = {}
    while len(words) < count:
        lengths = rng.integers(2, 5, size=count)
        picks = rng.integers(0, len(_SYLLABLES), size=(count, 4))
        for length, row in zip(lengths, picks):
            words.setdefault("".join(_SYLLABLES[i] for i in row[:length]), None)
            if len(words) == count:
                break
    return list(words)


@dataclass(frozen=True)
class SyntheticText:
    """A deterministic corpus: a Zipf vocabulary, and documents each drawing a share of words from one topic.

    Attributes:
        vocabulary: distinct words; word i has Zipf weight 1 / (i + 2.7) ** 1.07 in the background text.
        topics: how many topics; each owns ``topic_words`` mid-frequency words of the vocabulary.
        topic_share: share of a document's tokens drawn from its topic's words.
    """

    vocabulary: int = 60_000
    topics: int = 50
    topic_words: int = 300
    topic_share: float = 0.3
    sentence_tokens: int = 14
    document_sentences: int = 8
    seed: int = 0

    def write(self, path: Path, tokens: int) -> int:
        """Write about ``tokens`` tokens as paragraphs (blank-line separated) to ``path``; returns its bytes.

        Memory stays flat: the text is generated and written one block of documents at a time.
        """
        import numpy as np

        rng = np.random.default_rng(self.seed)
        words = np.array(pseudo_words(self.vocabulary, self.seed), dtype=object)
        weights = 1.0 / (np.arange(self.vocabulary) + 2.7) ** 1.07
        background = np.cumsum(weights / weights.sum())
        # Topic words come from the middle of the frequency range, where neighbourhoods are stable but not trivial.
        owned = rng.permutation(np.arange(200, 200 + self.topics * self.topic_words)).reshape(self.topics, -1)
        topic_weights = np.cumsum(1.0 / np.arange(1, self.topic_words + 1))
        topic_weights /= topic_weights[-1]
        per_document = self.sentence_tokens * self.document_sentences
        written = 0
        with path.open("w", encoding="utf-8") as handle:
            while written < tokens:
                block = min(2000, -(-(tokens - written) // per_document))
                ids = np.searchsorted(background, rng.random((block, per_document)))
                topic = rng.integers(0, self.topics, size=block)
                from_topic = rng.random((block, per_document)) < self.topic_share
                topical = owned[topic[:, None], np.searchsorted(topic_weights, rng.random((block, per_document)))]
                ids = np.where(from_topic, topical, np.minimum(ids, self.vocabulary - 1))
                handle.write(self._paragraphs(words[ids]))
                written += block * per_document
        return path.stat().st_size

    def _paragraphs(self, tokens) -> str:
        sentences = tokens.reshape(tokens.shape[0], self.document_sentences, self.sentence_tokens)
        return "".join(" ".join(" ".join(s).capitalize() + "." for s in document) + "\n\n" for document in sentences)


def clustered_vectors(n: int, dim: int, seed: int, clusters: int = 40):
    """Word-vector-like data: unit vectors scattered around topic centres.

    Returns:
        float32 array of shape (n, dim), rows L2-normalised.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    points = centres[rng.integers(0, clusters, n)] + rng.normal(scale=1.2, size=(n, dim))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


# ------------------------------------------------------------------------------------------ child processes


@dataclass(frozen=True)
class SideResult:
    """One run of one side in its own process.

    Attributes:
        seconds: wall-clock seconds of the whole process, from start to exit.
        peak_mib: peak resident memory of the process and every child it waited for (ru_maxrss of wait4).
        output: the JSON object the side printed last.
    """

    seconds: float
    peak_mib: float
    output: dict[str, Any]


def run_side(script: Path, side: str, *args: str, timeout: float = 1800) -> SideResult:
    """Run ``script --side SIDE ARGS`` in a fresh interpreter and measure it.

    Raises:
        RuntimeError: the side failed; its output is in the message.
    """
    command = [sys.executable, str(script), "--side", side, *args]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        child = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT)
        status, usage = _wait(child, timeout)
        seconds = time.perf_counter() - started
        output.seek(0)
        text = output.read().decode("utf-8", errors="replace")
    if status != 0:
        raise RuntimeError(f"{' '.join(command[1:])} exited with {status}:\n{text[-4000:]}")
    last = [line for line in text.splitlines() if line.startswith("{")]
    return SideResult(seconds, usage.ru_maxrss / 1024, json.loads(last[-1]) if last else {})


def _wait(child: subprocess.Popen, timeout: float):
    """wait4 the child (its rusage includes the grandchildren it reaped, e.g. a training job's worker)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            return child.returncode, usage
        if time.monotonic() > deadline:
            child.kill()
        time.sleep(0.02)


def side_main(sides: dict[str, Callable[[list[str]], dict[str, Any]]], argv: list[str] | None = None) -> bool:
    """If the command line is ``--side NAME ARGS``, run that side, print its JSON result, and return True."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "--side":
        return False
    print(json.dumps(sides[argv[1]](argv[2:])), flush=True)
    return True


def peak_rss_mib() -> float:
    """This process's peak resident memory so far."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------------------------------------ repeats


def interleaved(repeats: int, calls: dict[str, Callable[[], Any]], label: str = "") -> dict[str, list[Any]]:
    """Call each function once per repeat, alternating (a, b, a, b...), so a slow stretch hits every side."""
    results: dict[str, list[Any]] = {name: [] for name in calls}
    for repeat in range(repeats):
        for name, call in calls.items():
            started = time.perf_counter()
            results[name].append(call())
            print(
                f"  {label}{name} #{repeat + 1}: {time.perf_counter() - started:.3f} s (load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    return results


def timed(call: Callable[[], Any]) -> float:
    """Wall-clock seconds of one call."""
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


# -------------------------------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Row:
    """One line of a benchmark table.

    Attributes:
        raw, app: what was measured for the raw library and for EmbedLab, as shown (units included).
        ratio: app / raw of the measured quantity (None when the goal is absolute).
        goal: the goal as text; ``passed`` says whether it was met (None: not measured).
    """

    step: str
    raw: str
    app: str
    ratio: float | None
    goal: str
    passed: bool | None
    note: str = ""


def table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table: step, raw, app, ratio, goal, pass/fail."""
    lines = ["| step | raw | app | ratio | goal | result |", "|---|---:|---:|---:|---|---|"]
    for row in rows:
        ratio = "" if row.ratio is None else f"{row.ratio:.3g}x"
        result = {True: "pass", False: "**FAIL**", None: "n/a"}[row.passed]
        lines.append(f"| {row.step} | {row.raw} | {row.app} | {ratio} | {row.goal} | {result} |")
    return "\n".join(lines)


def cpu_name() -> str:
    """The processor's model name, from /proc/cpuinfo where there is one."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_line() -> str:
    """Date, processor, cores, thread pin and load: what a reader needs to trust a timing."""
    return (
        f"{time.strftime('%Y-%m-%d %H:%M %Z')} · {cpu_name()} · {os.cpu_count()} cores · threads pinned to "
        f"{THREADS} · Python {platform.python_version()} · 1-min load {os.getloadavg()[0]:.1f}"
    )


@dataclass
class Report:
    """A benchmark's table, notes and raw numbers; printed and written to ``bench/results/<name>.md`` / ``.json``."""

    name: str
    title: str
    command: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def markdown(self) -> str:
        notes = "".join(f"- {note}\n" for note in self.notes)
        return f"## {self.title}\n\n`{self.command}` — {machine_line()}\n\n{table(self.rows)}\n\n{notes}"

    def save(self) -> str:
        """Print the report and write it to ``bench/results``; returns the Markdown."""
        text = self.markdown()
        print("\n" + text, flush=True)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{self.name}.md").write_text(text, encoding="utf-8")
        data = {
            "name": self.name,
            "title": self.title,
            "command": self.command,
            "machine": machine_line(),
            "rows": [asdict(row) for row in self.rows],
            "notes": self.notes,
            "details": self.details,
        }
        (RESULTS / f"{self.name}.json").write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
        return text


def parser(description: str) -> argparse.ArgumentParser:
    """The options every benchmark takes: ``--quick`` (smaller sizes) and ``--repeats``."""
    result = argparse.ArgumentParser(description=description)
    result.add_argument("--quick", action="store_true", help="smaller sizes, for a run of a few minutes")
    result.add_argument("--repeats", type=int, default=None, help="repeats per side (median shown)")
    return result


def command_line(script: str) -> str:
    return " ".join(["python", f"bench/{script}", *sys.argv[1:]])


def mib(value: float) -> str:
    return f"{value:,.0f} MiB"


def seconds(value: float) -> str:
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
