"""Bad input, one catalogue: every case goes through the CLI and through the UI (AppTest of the page that takes it).

Each case must give a clear message (what was wrong, what to do) and no traceback, must leave everything already
saved (a corpus, a run, a vectors file) exactly as it was, and must leave the app usable (the next, good upload
works in the same session). Inputs that are read anyway (odd encodings, ragged rows) say so in a notice.

Large inputs (a 200 MB line, a zip bomb, a file over the size limit) are built in tmp_path while the test runs.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import os
import pickle
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ROOT, TINY_TEXT
from streamlit.testing.v1 import AppTest
from test_corpus import _zip

from embedlab import config, store, ui

MB = 1024 * 1024
GOOD_VECTORS = b"alpha 1 0 0\nbeta 0 1 0\ngamma 0 0 1\ndelta 1 1 0\nepsilon 0 1 1\nzeta 1 0 1\n"
OTHER_VECTORS = b"alpha 1 1 0\nbeta 0 1 1\ngamma 1 0 1\ndelta 1 0 0\nepsilon 0 1 0\nzeta 0 0 1\n"
GOOD_TEXT = b"A good corpus after a bad one. The matrix is sparse; the solver is fast.\n"
ESCAPED = "embedlab-escaped.txt"  # what a zip-slip archive tries to write outside


# --- builders of inputs too big (or too alive) to spell out ---------------------------------------------------


def _single_line(path: Path) -> Path:
    """A 200 MB file that is one line of words, written in 1 MB pieces."""
    piece = (b"lorem ipsum dolor sit amet " * (MB // 27 + 1))[:MB]
    with path.open("wb") as handle:
        for _ in range(200):
            handle.write(piece)
    return path


def _over_the_limit(path: Path) -> Path:
    """A sparse file one MB over the upload limit (no disk space used)."""
    with path.open("wb") as handle:
        handle.truncate((config.MAX_UPLOAD_MB + 1) * MB)
    return path


@functools.cache
def _bomb_bytes() -> bytes:
    """A 5 MB zip whose one member expands to 1,100 MB of zeros, past the expansion limit."""
    buffer, zeros = io.BytesIO(), bytes(MB)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("bomb.txt", "w", force_zip64=True) as member:
            for _ in range(config.MAX_ZIP_EXPANDED_BYTES // MB + 76):
                member.write(zeros)
    return buffer.getvalue()


def _bomb(path: Path) -> Path:
    path.write_bytes(_bomb_bytes())
    return path


class _Trap:
    """Unpickling this creates the file PWNED beside it: proof that a pickle was loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, "w")


def _pickle(path: Path) -> Path:
    path.write_bytes(pickle.dumps(_Trap(path.parent / "PWNED"), protocol=4))
    return path


def _gensim_model(path: Path) -> Path:
    import numpy as np
    from gensim.models import KeyedVectors

    vectors = KeyedVectors(vector_size=3)
    vectors.add_vectors(["alpha", "beta"], np.eye(2, 3, dtype=np.float32))
    vectors.save(str(path))  # gensim's native format: a pickle
    return path


# --- the catalogue --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One bad input.

    Attributes:
        id: the test id.
        file: the file name it is uploaded (or passed to the CLI) under.
        data: its bytes, or a builder that writes it at the path it is given and returns that path.
        message: what the user is shown: the error when the input is refused, else the notice ("" for none).
        target: what takes the input: ``corpus`` (Corpus page; CLI coverage --corpus), ``train`` (Train page;
            CLI train), ``vectors`` (Runs page; CLI neighbors --space vectors:FILE), ``neighbours`` (Compare page
            with A = the file, B = another; CLI neighbors).
        outcome: ``refused`` (an error, nothing new stored but the corpus a refused training was asked on),
            ``stored`` (read and stored, with ``message`` as its notice) or ``answered`` (shown, nothing stored).
        cli_message: when the CLI says something else than ``message`` ("" for nothing on stderr).
        word, k: the query of ``neighbours`` cases.
        ui_file: the name the UI uploads it under, when the uploader's type filter does not take ``file``
            (see test_uploaders_take_only_their_types).
        words: words the stored corpus must hold (the bytes were decoded right).
        never: files that must not exist afterwards, relative to the test's tmp_path or absolute.
    """

    id: str
    file: str
    data: bytes | Callable[[Path], Path]
    message: str
    target: str = "corpus"
    outcome: str = "refused"
    cli_message: str | None = None
    word: str = "alpha"
    k: int = 3
    ui_file: str = ""
    words: tuple[str, ...] = ()
    never: tuple[str, ...] = field(default=())


LEGACY = "Café crème, naïve résumé. Ça coûte trois sous."
WIDE = "Eigenvalues of the Hessian matrix. The sparse solver converges."

CASES = [
    Case(
        "empty-file",
        "empty.txt",
        b"",
        "empty.txt: no words found: the file is empty (0 bytes); choose the file with your text",
    ),
    Case(
        "whitespace-only",
        "blank.txt",
        b"  \n\t\n \r\n\n   ",
        "blank.txt: no words found (0 documents, all empty or without letters): check that this is the file "
        "with your text",
    ),
    Case("symbols-only", "dots.md", b"... --- !!!\n\n*** ###", "dots.md: no words found (2 documents"),
    Case(
        "binary-with-text-extension",
        "data.txt",
        bytes(range(256)) * 16,
        "data.txt is a binary file, not text: upload the text itself as .txt, .md, .csv, .tsv or .jsonl (UTF-8), "
        "or a .zip of such files",
    ),
    Case(
        "png-renamed-txt",
        "photo.txt",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(200)),
        "photo.txt is a PNG image, not text",
    ),
    Case(
        "pdf-renamed-csv",
        "report.csv",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\x00",
        "report.csv is a PDF document, not text",
    ),
    Case(
        "latin-1",
        "legacy.txt",
        LEGACY.encode("latin-1"),
        "legacy.txt is not valid UTF-8 or UTF-16; it was read as cp1252 (single-byte). If accented letters look "
        "wrong, save the file as UTF-8 and upload it again.",
        outcome="stored",
        words=("café", "crème", "naïve", "ça"),
    ),
    Case(
        "utf-16-with-bom",
        "wide.txt",
        WIDE.encode("utf-16"),
        "",
        outcome="stored",
        words=("eigenvalues", "hessian", "solver"),
    ),
    Case(
        "utf-16-without-bom",
        "wide-nobom.txt",
        WIDE.encode("utf-16-le"),
        "wide-nobom.txt has no byte-order mark but reads as UTF-16 (little-endian); it was decoded as such.",
        outcome="stored",
        words=("eigenvalues", "hessian", "solver"),
    ),
    Case(
        "200-mb-single-line",
        "one-line.txt",
        _single_line,
        "one-line.txt: line 1 is 200.0 MB long, over the 10 MB limit for one line (one document): break the "
        "text into lines, e.g. one paragraph a line, and upload it again",
    ),
    Case(
        "over-the-upload-limit",
        "huge.txt",
        _over_the_limit,
        "huge.txt is 201.0 MB, over the 200 MB limit for a corpus file: split it into smaller files, or zip it",
    ),
    Case(
        "csv-without-a-text-column",
        "scores.csv",
        b"id,score\n1,0.5\n2,0.75\n3,1.0\n",
        "scores.csv: no text column found: 'score' (the best guess) holds only numbers or symbols; choose the "
        "column with the text (the columns are: id, score)",
    ),
    Case(
        "csv-ragged-rows",
        "ragged.csv",
        b"text,label\nThe matrix is sparse,a\nA row with, an unquoted comma,b\nno label here\nFine row,c\n",
        "ragged.csv: 2 rows do not have the header's 2 fields separated by commas (rows 3, 4, the header being "
        "row 1): extra fields were ignored, missing ones read as empty. If a text holds commas, put it in double "
        "quotes; if another character separates the fields, choose it as the delimiter.",
        outcome="stored",
        words=("matrix", "with", "label"),
    ),
    Case(
        "csv-only-a-header",
        "header.csv",
        b"text,label\r\n",
        "header.csv: only a header row (text, label) and no rows below it: add one row per document and upload "
        "the file again",
    ),
    Case("tsv-empty", "empty.tsv", b"", "empty.tsv: no columns found, the file is empty"),
    Case(
        "jsonl-bad-lines",
        "notes.jsonl",
        b'{"text": "first good line"}\n{"text": broken\n\n{"text": "second good line"}\n["a", "list"]\n'
        b'{"text": "third good line"}\n',
        "notes.jsonl, line 2: not valid JSON (Expecting value); 2 of 5 lines are not JSON objects (lines 2, 5). "
        "Nothing was read: fix or remove those lines and upload the file again",
    ),
    Case(
        "jsonl-nested-too-deep",
        "deep.jsonl",
        b'{"text": ' + b"[" * 50_000 + b"]" * 50_000 + b"}\n",
        "deep.jsonl, line 1: JSON nested too deeply or with a number too long",
    ),
    Case(
        "zip-bomb",
        "bomb.zip",
        _bomb,
        "bomb.zip: expands to 1,100 MB, more than the limit of 1,024 MB: split it into smaller archives",
    ),
    Case(
        "zip-slip-paths",
        "slip.zip",
        _zip({f"../../{ESCAPED}": b"Escaped words stay inside.", f"/tmp/abs-{ESCAPED}": b"Absolute paths too."}),
        "",
        outcome="stored",
        words=("escaped", "absolute"),
        never=(f"../../{ESCAPED}", f"../{ESCAPED}", ESCAPED, f"/tmp/abs-{ESCAPED}", f"/{ESCAPED}"),
    ),
    Case(
        "nested-zip-only",
        "outer.zip",
        _zip({"inner.zip": _zip({"a.txt": b"hidden words"})}),
        "outer.zip: the archive holds only other archives (inner.zip); archives inside archives are not opened: "
        "unzip them and zip their files together",
    ),
    Case(
        "nested-zip-beside-text",
        "mixed.zip",
        _zip({"notes.txt": b"Visible words here.", "more.zip": _zip({"b.txt": b"hidden words"})}),
        "mixed.zip: more.zip inside it was not opened (archives inside archives are skipped): unzip and add its files",
        outcome="stored",
        words=("visible",),
    ),
    Case(
        "not-a-zip",
        "fake.zip",
        b"plain text with a zip name",
        "fake.zip: not a valid zip archive (damaged, or another kind of file named .zip)",
    ),
    Case(
        "min-count-too-high",
        "short.txt",
        b"Alpha beta gamma. Alpha beta delta.\n",
        "min_count=50 leaves 0 words: the corpus has 6 tokens and 4 distinct words; try min_count=1",
        target="train",
    ),
    Case(
        "vectors-inconsistent-dimensions",
        "dims.txt",
        b"3 3\nalpha 1 2 3\nbeta 1 2\ngamma 1 2 3\n",
        "dims.txt, line 3: expected 3 numbers after the word (the header on line 1 says 3), found 2 "
        "(read as word2vec text)",
        target="vectors",
    ),
    Case(
        "vectors-nan",
        "nan.vec",
        b"alpha 1 0\nbeta nan 1\n",
        "nan.vec, line 2: 'nan' is not a finite number: NaN and infinity are not allowed (read as GloVe text)",
        target="vectors",
    ),
    Case(
        "vectors-duplicate-words",
        "dup.vec",
        b"alpha 1 0\nbeta 0 1\nalpha 5 5\ngamma 1 1\n",
        "1 repeated entry dropped, each word keeping its first vector: 'alpha'.",
        target="vectors",
        outcome="stored",
        cli_message="",
    ),
    Case(
        "vectors-header-only",
        "head.txt",
        b"5 3\n",
        "head.txt, line 1: the header says 5 words, but none follow (read as word2vec text)",
        target="vectors",
    ),
    Case("vectors-empty", "empty.vec", b"", "empty.vec: empty file, expected word vectors", target="vectors"),
    Case(
        "vectors-a-pickle",
        "vectors.bin",
        _pickle,
        "vectors.bin is a Python pickle (a gensim .model or .pkl file): EmbedLab never loads pickles from users, "
        "because opening one can run any code. Save the vectors as word2vec instead",
        target="vectors",
        never=("PWNED",),
    ),
    Case(
        "vectors-a-gensim-model",
        "word2vec.model",
        _gensim_model,
        "is a Python pickle (a gensim .model or .pkl file): EmbedLab never loads pickles from users",
        target="vectors",
        ui_file="word2vec.model.bin",
    ),
    Case(
        "vectors-an-image",
        "photo.vec",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "photo.vec is a PNG image, not word vectors: add word2vec text or binary, GloVe text or a fastText .vec file",
        target="vectors",
    ),
    Case(
        "word-in-neither-space", "a.vec", GOOD_VECTORS, "'zzyzx' is not in vectors:", target="neighbours", word="zzyzx"
    ),
    Case(
        "k-larger-than-the-shared-vocabulary",
        "a.vec",
        GOOD_VECTORS,
        "Only 5 other words are in both spaces, so each list holds 5 neighbours, not 50.",
        target="neighbours",
        k=50,
        outcome="answered",
        cli_message="holds 5 other words, so 5 neighbours are listed, not 50",
    ),
]


# --- the home whose contents no case may touch ----------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    home: Path
    corpus_id: str
    run_id: str
    vectors_spec: str  # GOOD_VECTORS, uploaded
    other_spec: str  # OTHER_VECTORS, uploaded


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Saved:
    """A home of its own holding a corpus, a run and vectors files: what bad input must never damage."""
    from embedlab.corpus import build_corpus
    from embedlab.spaces import save_uploaded_vectors
    from embedlab.training import TrainConfig, train_run

    home = tmp_path_factory.mktemp("bad-input-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EMBEDLAB_HOME", str(home))
        corpus = build_corpus("kept.txt", (TINY_TEXT * 3).encode())
        run = train_run(corpus, TrainConfig(dim=8, min_count=1, epochs=1, workers=1, seed=3))
        build_corpus("good.txt", GOOD_TEXT)  # what each UI case uploads next: taking it again stores nothing new
        yield Saved(
            home,
            corpus.id,
            run.id,
            save_uploaded_vectors("kept.vec", GOOD_VECTORS).spec,
            save_uploaded_vectors("other.vec", OTHER_VECTORS).spec,
        )


def _snapshot() -> dict[str, str]:
    """Every stored artefact (by content hash) and registry row of the current home; temp files left out."""
    home = config.home()
    files = {
        str(path.relative_to(home)): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in ("corpora", "runs", "vectors")
        for path in sorted((home / folder).rglob("*"))
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(home).parts)
    }
    rows = {
        f"{table} {row.id}": "row"
        for table, listed in (
            ("corpora", store.list_corpora()),
            ("runs", store.list_runs()),
            ("vectors", store.list_vectors()),
        )
        for row in listed
    }
    return files | rows


def _materialise(case: Case, folder: Path) -> Path:
    path = folder / case.file
    if callable(case.data):
        return case.data(path)
    path.write_bytes(case.data)
    return path


def _check_nothing_lost(case: Case, before: dict[str, str], saved: Saved, tmp_path: Path) -> None:
    after = _snapshot()
    assert {key: after.get(key) for key in before} == before, "something already saved changed or vanished"
    added = sorted(set(after) - set(before))
    if case.outcome == "answered" or case.outcome == "refused" and case.target != "train":
        assert added == [], f"nothing should have been stored: {added}"
    elif case.target == "train":  # the corpus is fine and kept; the training was refused: no run, not half of one
        assert not [key for key in added if key.startswith("runs")], added
    for name in case.never:  # relative to the upload, to where corpora are stored and to where the CLI runs
        for path in (
            [Path(name)] if name.startswith("/") else [base / name for base in (tmp_path, saved.home / "corpora", ROOT)]
        ):
            assert not path.exists(), f"{path} was written"
    assert not list(saved.home.rglob("PWNED")) and not list(tmp_path.rglob("PWNED")), "a pickle was loaded"


def _shown(markdown: str) -> str:
    """What a markdown message reads as on screen (backslash escapes removed)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _stored_corpus(name: str):
    from embedlab.corpus import load_corpus

    rows = [row for row in store.list_corpora() if row.name == name]
    assert rows, f"no corpus named {name} was stored"
    return load_corpus(rows[0].id)


# --- the CLI --------------------------------------------------------------------------------------------------

# `python -m embedlab ARGS`, each in a process of its own, forked from one that has imported the package once:
# embedlab/__main__.py runs as under `python -m` (runpy), stdout and stderr go to files, an uncaught exception
# prints its traceback as the interpreter would. A fresh interpreter per case costs ~1 s of imports; this ~0.1 s.
_CLI_SERVER = """
import json, os, runpy, sys, traceback
import embedlab.cli
for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        os.environ["EMBEDLAB_HOME"] = request["home"]
        for fd, path in ((1, request["out"]), (2, request["err"])):
            os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
        sys.argv = ["python -m embedlab", *request["argv"]]
        code = 0
        try:
            runpy.run_module("embedlab", run_name="__main__", alter_sys=True)
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
"""


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def cli(saved, tmp_path_factory):
    """Run ``python -m embedlab ARGS`` against the saved home; returns a :class:`Done`."""
    server = subprocess.Popen(
        [sys.executable, "-c", _CLI_SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "EMBEDLAB_HOME": str(saved.home)},
    )
    folder = tmp_path_factory.mktemp("cli-output")

    def run(*argv: str) -> Done:
        out, err = folder / "stdout", folder / "stderr"
        server.stdin.write(json.dumps({"argv": argv, "home": str(saved.home), "out": str(out), "err": str(err)}) + "\n")
        server.stdin.flush()
        returncode = int(server.stdout.readline())
        return Done(returncode, out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8"))

    yield run
    server.stdin.close()
    server.wait(timeout=30)


def _cli_args(case: Case, path: Path, saved: Saved) -> list[str]:
    if case.target == "corpus":  # coverage reads the corpus exactly as train does, without training
        return ["coverage", "--space", saved.vectors_spec, "--corpus", str(path)]
    if case.target == "train":
        return ["train", str(path), "--min-count", "50", "--dim", "8", "--epochs", "1", "--workers", "1"]
    return ["neighbors", "--space", f"vectors:{path}", "--word", case.word, "--k", str(case.k)]


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_cli(case, saved, cli, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_HOME", str(saved.home))
    path = _materialise(case, tmp_path)
    argv = _cli_args(case, path, saved)
    before = _snapshot()
    done = cli(*argv, "--json")
    done = dataclasses.replace(done, stderr=_without_health(done.stderr, argv[0]))  # run health: its own tests
    expected = case.message if case.cli_message is None else case.cli_message
    assert "Traceback" not in done.stderr
    if case.outcome == "refused":
        assert done.returncode == 1 and done.stdout == ""
        [line] = done.stderr.strip().splitlines()
        assert line.startswith(f"embedlab {argv[0]}: error: ") and expected in line, line
    else:
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        if case.target == "corpus":  # notices are kept with the corpus; on stderr once cli.py prints them
            stored = _stored_corpus(case.file)
            assert any(expected in notice for notice in stored.notices) if expected else stored.notices == ()
            assert done.stderr in ("", "".join(f"embedlab {argv[0]}: notice: {n}\n" for n in stored.notices))
            assert set(case.words) <= set(stored.counts) and result["types"] == stored.stats.types
        else:  # at most a note saying a list is shorter than asked
            assert all(line.startswith("embedlab neighbors: note: ") for line in done.stderr.splitlines())
            if expected:
                assert expected in done.stderr
        if case.target == "neighbours":
            assert len(result["neighbors"]) == min(case.k, 5)  # the file's other words
    _check_nothing_lost(case, before, saved, tmp_path)


@pytest.mark.slow
def test_cli_runner_is_the_real_command(cli, saved):
    """The forked runner behaves as `python -m embedlab` does: same output, same exit status."""
    argv = ["neighbors", "--space", saved.vectors_spec, "--word", "alpha", "--k", "2", "--json"]
    real = subprocess.run(
        [sys.executable, "-m", "embedlab", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "EMBEDLAB_HOME": str(saved.home)},
        timeout=120,
    )
    assert cli(*argv) == Done(real.returncode, real.stdout, real.stderr) and real.returncode == 0
    broken = ["neighbors", "--space", "nowhere", "--word", "x"]
    real = subprocess.run(
        [sys.executable, "-m", "embedlab", *broken],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "EMBEDLAB_HOME": str(saved.home)},
        timeout=120,
    )
    assert cli(*broken) == Done(real.returncode, real.stdout, real.stderr) and real.returncode == 1


# --- the UI ---------------------------------------------------------------------------------------------------


def _page(name: str, state: dict | None = None, **query: str) -> AppTest:
    """A page through app.py's router (its page links to other pages need the router's pages)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page(f"pages/{name}")
    for key, value in (state or {}).items():
        at.session_state[key] = value
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


HEALTH_ICON = ":material/health_and_safety:"  # embedlab.ui.health's warnings: tested in test_health.py


def _without_health(stderr: str, command: str) -> str:
    """stderr without the run-health lines (``embedlab COMMAND: health: ...``)."""
    return "".join(
        line for line in stderr.splitlines(keepends=True) if not line.startswith(f"embedlab {command}: health: ")
    )


def _messages(at: AppTest) -> dict[str, list[str]]:
    assert not at.exception, [e.value for e in at.exception]
    shown = {
        kind: [_shown(e.value) for e in getattr(at, kind) if e.icon != HEALTH_ICON]  # run health: its own tests
        for kind in ("error", "warning", "info", "success")
    }
    assert not any("Traceback" in text for texts in shown.values() for text in texts)
    return shown


def _upload_corpus(at: AppTest, name: str, data: bytes) -> dict[str, list[str]]:
    at.file_uploader(key="corpus_upload").set_value((name, data, "application/octet-stream")).run()
    if not at.error:  # a table is read for its columns on upload, so some problems show before the button
        at.button(key="corpus_process").click().run()
    return _messages(at)


def _ui_corpus(case: Case, data: bytes, saved: Saved) -> dict[str, list[str]]:
    at = _page("corpus.py")
    shown = _upload_corpus(at, case.file, data)
    if case.outcome == "stored":
        assert at.selectbox(key="corpus_chosen").value == _stored_corpus(case.file).id  # shown with its stats
        assert set(case.words) <= set(_stored_corpus(case.file).counts)
    assert saved.corpus_id in at.selectbox(key="corpus_chosen").options[-1]  # the oldest corpus is still there
    again = _upload_corpus(at, "good.txt", GOOD_TEXT)  # the same session takes the next upload
    assert not again["error"] and at.selectbox(key="corpus_chosen").value == _stored_corpus("good.txt").id
    return shown


def _ui_vectors(case: Case, data: bytes, saved: Saved) -> dict[str, list[str]]:
    at = _page("runs.py")
    at.file_uploader(key="vectors_upload").set_value((case.ui_file or case.file, data, "application/octet-stream"))
    at.run()
    at.button(key="vectors_add").click().run()
    shown = _messages(at)
    at.file_uploader(key="vectors_upload").set_value(("good.vec", OTHER_VECTORS, "text/plain")).run()
    at.button(key="vectors_add").click().run()
    assert any("6 words × 3 dimensions" in text for text in _messages(at)["success"])
    return shown


def _ui_neighbours(case: Case, data: bytes, saved: Saved) -> dict[str, list[str]]:
    assert data == GOOD_VECTORS  # stored already, as saved.vectors_spec
    at = _page(
        "compare.py", corpus=saved.corpus_id, a=saved.vectors_spec, b=saved.other_spec, word=case.word, k=str(case.k)
    )
    shown = _messages(at)
    at.text_input(key="cmp_word").set_value("beta").run()
    assert not _messages(at)["error"] and len(at.table) == 2  # A's and B's neighbour lists
    return shown


@pytest.fixture
def app(monkeypatch):
    """app.py, the router, without its background UMAP warm-up (slow, and not what these tests are about)."""
    from embedlab.analysis import maps

    monkeypatch.setattr(maps, "warm_up_in_background", lambda: None)
    ui.start_background_warm_up.clear()
    yield lambda: AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    ui.start_background_warm_up.clear()  # the next app starts the real warm-up


def _ui_train(case: Case, data: bytes, saved: Saved, app) -> dict[str, list[str]]:
    assert not _upload_corpus(_page("corpus.py"), case.file, data)["error"]
    at = app()  # the Train page links to other pages: it needs the router
    at.session_state[ui.ACTIVE_CORPUS] = _stored_corpus(case.file).id
    at.switch_page("pages/train.py").run()
    at.number_input(key="train_min_count").set_value(50)
    at.button[0].click().run()  # the form's submit button
    deadline = time.monotonic() + 90
    while not at.error and time.monotonic() < deadline:
        time.sleep(0.3)
        at.run()
    shown = _messages(at)
    assert at.number_input(key="train_min_count").value == 50  # the form is still there, as it was
    return shown


_UI = {"corpus": _ui_corpus, "vectors": _ui_vectors, "neighbours": _ui_neighbours, "train": _ui_train}


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_ui(case, saved, tmp_path, monkeypatch, app):
    monkeypatch.setenv("EMBEDLAB_HOME", str(saved.home))
    data = _materialise(case, tmp_path).read_bytes()
    before = _snapshot()
    shown = _UI[case.target](case, data, saved, *([app] if case.target == "train" else []))
    if case.outcome == "refused":
        assert any(case.message in text for text in shown["error"]), shown["error"]
    else:
        assert not shown["error"], shown["error"]
        notices = shown["warning"] + shown["info"]
        assert any(case.message in text for text in notices) if case.message else not notices, notices
    _check_nothing_lost(case, before, saved, tmp_path)


def test_the_catalogue_covers_the_issue():
    """Every input the issue lists is a case, and there are at least 25."""
    ids = {case.id for case in CASES}
    assert len(CASES) >= 25 and len(ids) == len(CASES)
    assert {
        "empty-file",
        "whitespace-only",
        "binary-with-text-extension",
        "png-renamed-txt",
        "latin-1",
        "utf-16-without-bom",
        "200-mb-single-line",
        "csv-without-a-text-column",
        "csv-ragged-rows",
        "csv-only-a-header",
        "jsonl-bad-lines",
        "zip-bomb",
        "zip-slip-paths",
        "nested-zip-only",
        "min-count-too-high",
        "vectors-inconsistent-dimensions",
        "vectors-nan",
        "vectors-duplicate-words",
        "vectors-a-pickle",
        "vectors-a-gensim-model",
        "word-in-neither-space",
        "k-larger-than-the-shared-vocabulary",
    } <= ids


@pytest.mark.slow
@pytest.mark.parametrize(
    "page, key, name, allowed",
    [
        ("corpus.py", "corpus_upload", "notes.docx", "'.txt', '.md', '.csv', '.tsv', '.jsonl', '.zip'"),
        ("runs.py", "vectors_upload", "word2vec.model", "'.txt', '.vec', '.bin', '.w2v'"),
        ("runs.py", "vectors_upload", "vectors.pkl", "'.txt', '.vec', '.bin', '.w2v'"),
    ],
)
def test_uploaders_take_only_their_types(page, key, name, allowed, saved, monkeypatch):
    """The browser's file picker offers only the listed types, and Streamlit's server refuses any other; the
    uploader's label states the types and the size limit."""
    monkeypatch.setenv("EMBEDLAB_HOME", str(saved.home))
    at = _page(page)
    limit = config.MAX_UPLOAD_MB if key == "corpus_upload" else config.MAX_VECTORS_MB
    assert f"up to {limit} MB" in at.file_uploader(key=key).label
    if key == "corpus_upload":
        assert "A line may hold up to 10 MB; a zip may expand to 1,024 MB" in at.file_uploader(key=key).help
    before = _snapshot()
    at.file_uploader(key=key).set_value((name, b"PK\x03\x04 or a pickle", "application/octet-stream")).run()
    [refused] = at.exception
    assert refused.value.startswith(f"Invalid file extension: `{Path(name).suffix}`. Allowed: [{allowed}]")
    assert _snapshot() == before


# --- hostile links ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A shared link with a bad or hostile parameter and what the page says about it (as read on screen)."""

    id: str
    params: dict[str, str]
    message: str
    page: str = "compare.py"


LINKS = [
    Link(
        "run-id-path-traversal",
        {"a": "../../etc/passwd"},
        "Link parameter a='../../etc/passwd' was ignored: unknown space '../../etc/passwd': use 'baseline'",
    ),
    Link(
        "vectors-path-outside-home",
        {"a": "vectors:/etc/passwd"},
        "The link's space a=vectors:/etc/passwd is not on this server (deleted, or another server's).",
    ),
    Link(
        "vectors-relative-path",
        {"a": "vectors:../../../../etc/passwd"},
        "The link's space a=vectors:../../../../etc/passwd is not on this server",
    ),
    Link("vectors-file-outside-home", {"a": "vectors:{secret}"}, "The link's space a=vectors:{secret} is not on"),
    Link(
        "unknown-run-id",
        {"a": "run-20200101-000000-abcdef"},
        "The link's space a=run-20200101-000000-abcdef is not on this server (deleted, or another server's).",
    ),
    Link(
        "corpus-path-traversal",
        {"corpus": "../../registry.sqlite3"},
        "Link parameter corpus='../../registry.sqlite3' was ignored: '../../registry.sqlite3' is not a corpus id "
        "(like c0123456789ab).",
    ),
    Link(
        "unknown-corpus-id",
        {"corpus": "c0123456789ab"},
        "The link's corpus c0123456789ab is not on this server (deleted, or another server's).",
    ),
    Link("huge-k", {"k": "1000000"}, "Link parameter k='1000000' was ignored: k must be from 1 to 100, got 1000000."),
    Link("non-numeric-k", {"k": "ten"}, "Link parameter k='ten' was ignored: not a whole number."),
    Link("huge-map", {"n": "9" * 30}, f"Link parameter n='{'9' * 30}' was ignored: n must be from 100 to 200000"),
    Link("nan-score", {"lo": "nan"}, "Link parameter lo='nan' was ignored: not a number."),
    Link(
        "script-in-a-choice",
        {"tab": "<script>alert(1)</script>"},
        "Link parameter tab='<script>alert(1)</script>' was ignored: tab must be one of neighbours, changed, "
        "coverage, map, got '<script>alert(1)</script>'.",
    ),
    Link(
        "script-as-a-parameter-name",
        {"<img src=x onerror=alert(1)>": "1"},
        "Ignored unknown link parameters: <img src=x onerror=alert(1)>.",
    ),
    Link("script-as-the-word", {"word": "<script>alert(1)</script>"}, "'<script>alert(1)</script>' is not in"),
    Link(
        "markdown-link-as-the-word",
        {"word": "[Sign in again](https://evil.example)"},
        "'[Sign in again](https://evil.example)' is not in",
    ),
    Link(
        "evaluate-spaces-path-traversal",
        {"spaces": "../../etc/passwd,{vectors}"},
        "Link parameter spaces='../../etc/passwd' was ignored: unknown space '../../etc/passwd': use 'baseline'",
        page="evaluate.py",
    ),
    Link(
        "evaluate-script-corpus",
        {"corpus": "<script>alert(1)</script>"},
        "Link parameter corpus='<script>alert(1)</script>' was ignored: '<script>alert(1)</script>' is not a corpus "
        "id (like c0123456789ab).",
        page="evaluate.py",
    ),
]

_OPENED: list[str] = []
_RECORDING = []  # non-empty while files opened are recorded


def _record_opens(event: str, args: tuple) -> None:
    if _RECORDING and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENED.append(os.path.realpath(os.fsdecode(args[0])))


@pytest.fixture(scope="module")
def opened():
    """The files the process opens while the test runs (an audit hook: it sees every open, whoever calls it)."""
    sys.addaudithook(_record_opens)  # hooks cannot be removed; this one records only while asked to

    @functools.wraps(_OPENED.clear)
    def recording():
        _OPENED.clear()
        _RECORDING.append(True)
        return _OPENED

    yield recording
    _RECORDING.clear()


@pytest.fixture
def secret(tmp_path) -> Path:
    """A valid vectors file outside EMBEDLAB_HOME: a link must not get it read."""
    path = tmp_path / "secret-vectors.txt"
    path.write_bytes(GOOD_VECTORS)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("link", LINKS, ids=[link.id for link in LINKS])
def test_hostile_link(link, saved, secret, opened, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_HOME", str(saved.home))
    fill = {"secret": str(secret), "vectors": saved.vectors_spec}
    params = {key.format(**fill): value.format(**fill) for key, value in link.params.items()}
    base = (
        {"corpus": saved.corpus_id, "a": saved.vectors_spec, "b": saved.other_spec}
        if link.page == "compare.py"
        else {"corpus": saved.corpus_id, "spaces": saved.vectors_spec}
    )
    files = opened()
    at = _page(link.page, **{**base, **params})
    _RECORDING.clear()
    shown = _messages(at)
    said = shown["warning"] + shown["error"]
    assert any(link.message.format(**fill) in text for text in said), said
    forbidden = {os.path.realpath("/etc/passwd"), str(secret.resolve())}
    assert not forbidden & set(files), "a link got a file outside EMBEDLAB_HOME read"
    if link.page == "compare.py":  # the link's text is quoted, never rendered: no HTML, link or formatting
        raw = [e.value for e in at.warning if e.icon != HEALTH_ICON] + [e.value for e in at.error]
        assert not [text for text in raw if re.search(r"(?<!\\)[<\[*_`$]|(?<![\\/])//", text)], raw
        if "k" in params:
            assert at.slider(key="cmp_k").value == 10  # the default stands in for the link's unusable k


@pytest.mark.slow
def test_a_link_to_a_listed_vectors_file_opens_it(saved, opened, monkeypatch):
    """The guard is not a blanket refusal: the same kind of link to a file this server holds works."""
    monkeypatch.setenv("EMBEDLAB_HOME", str(saved.home))
    opened()
    at = _page("compare.py", corpus=saved.corpus_id, a=saved.vectors_spec, b=saved.other_spec, word="alpha", k="2")
    _RECORDING.clear()
    assert not _messages(at)["warning"] and not at.error
    assert [table.value["word"].tolist() for table in at.table] == [["delta", "zeta"], ["delta", "epsilon"]]


def test_the_pickle_trap_springs_when_loaded(tmp_path):
    """The catalogue's "never loaded" check can fail: loading the trap creates PWNED."""
    pickle.loads(_pickle(tmp_path / "vectors.bin").read_bytes())
    assert (tmp_path / "PWNED").exists()


def test_the_open_recorder_sees_every_read(opened, secret):
    """The guard above can fail: a read of the file outside the home is recorded."""
    files = opened()
    secret.read_bytes()
    _RECORDING.clear()
    assert str(secret.resolve()) in files


# --- hostile content: words are data, never markup ------------------------------------------------------------

# Words of a vectors file hold no whitespace, so the image tag uses the slashes browsers read as spaces.
HOSTILE = ("<script>alert(1)</script>", "<img/src=x/onerror=alert(2)>", "<b>bold</b>", "[link](https://evil.example)")


def _hostile_vectors(seed: int) -> bytes:
    import numpy as np

    words = [*HOSTILE, "alpha", "beta", "gamma", "delta"]
    rows = np.random.default_rng(seed).normal(size=(len(words), 4))
    return "".join(f"{w} " + " ".join(f"{x:.4f}" for x in row) + "\n" for w, row in zip(words, rows)).encode()


def test_corpus_text_never_keeps_markup(saved, monkeypatch):
    """The tokeniser keeps letters, digits and inner ' and -: no option keeps < > or brackets in a word."""
    from embedlab.corpus import ReadOptions, TokenizeOptions, build_corpus

    monkeypatch.setenv("EMBEDLAB_HOME", str(saved.home))
    data = (
        b'text,label\n"Click <img src=x onerror=alert(1)> <script>alert(2)</script> now",'
        b'"<script>alert(3)</script>"\n"[link](https://evil.example) **bold**",ok\n'
    )
    for lowercase in (True, False):
        built = build_corpus(
            "<img src=x onerror=alert(4)>.csv", data, ReadOptions("text", "label"), TokenizeOptions(lowercase=lowercase)
        )
        assert not [w for w in built.counts if re.search(r"[<>\[\]()*=/]", w)], list(built.counts)
        assert built.labels == ("<script>alert(3)</script>", "ok")  # labels are data, kept as they were


@pytest.mark.slow
def test_hostile_words_are_text_in_tables_maps_and_the_report(saved, monkeypatch):
    from embedlab import spaces
    from embedlab.corpus import load_corpus
    from embedlab.present import figures, report
    from embedlab.spaces import save_uploaded_vectors

    monkeypatch.setenv("EMBEDLAB_HOME", str(saved.home))
    a = save_uploaded_vectors("hostile-a.vec", _hostile_vectors(1)).spec
    b = save_uploaded_vectors("hostile-b.vec", _hostile_vectors(2)).spec
    at = _page("compare.py", corpus=saved.corpus_id, a=a, b=b, word=HOSTILE[0], k="3")
    assert not _messages(at)["error"]
    words = {w for table in at.table for w in table.value["word"]}
    assert words and words <= set(HOSTILE) | {"alpha", "beta", "gamma", "delta"}  # the cells hold the words
    [label] = [m.label for m in at.metric if m.label.startswith("Jaccard")]
    assert _shown(label) == f"Jaccard@3 for “{HOSTILE[0]}”" and "<script>" not in label

    first, second = spaces.load_space(a), spaces.load_space(b)
    layout = first.vectors[:, :2]
    figure = figures.map_pair(
        layout,
        layout,
        first.words,
        first.counts,
        (f"A · {HOSTILE[1]}", "B"),
        marks=figures.MapMarks(HOSTILE[0], HOSTILE[1:]),
    )
    texts = [t for trace in figure.to_dict()["data"] for t in trace.get("text", [])]
    assert len(texts) == 2 * len(first.words) and not [t for t in texts if "<" in t or ">" in t]
    assert texts.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2  # plotly shows &lt; as <: the word, as text
    assert figure.layout.annotations[0].text == "A · &lt;img/src=x/onerror=alert(2)&gt;"

    # The report: AlignedUMAP (numba, ~20-50 s cold on 2 cores) is replaced by the first two dimensions.
    from embedlab.analysis import maps

    monkeypatch.setattr(maps, "aligned_layouts", lambda x, y, settings: (x[:, :2], y[:, :2]))
    html = report.build_report(
        first, second, load_corpus(saved.corpus_id), report.ReportSettings(k=3, words=HOSTILE[:2], map_words=100)
    )
    for word in HOSTILE[:3]:  # the HTML ones; markdown means nothing in HTML
        assert word not in html, f"{word} is in the report as markup"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img/src=x/onerror=alert(2)&gt;" in html
    assert '"&lt;script&gt;alert(1)&lt;\\u002fscript&gt;"' in html  # a map label: text for plotly, not a tag
