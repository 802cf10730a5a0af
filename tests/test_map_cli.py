"""``python -m embedlab map``: the Compare page's aligned map as CSV, from the same sample and the same disk cache.

Vectors files load with no model. The tests that fit UMAP are marked slow (the first fit of a process compiles
numba's kernels, ~18 s on 2 cores); the others stand in a layout that copies each word's first two dimensions, so
every row can still be traced to its word.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, TINY_TEXT

from embedlab import analysis, corpus, spaces, store
from embedlab.analysis import maps
from embedlab.cli import main
from embedlab.present import report
from embedlab.spaces.formats import write_vectors

HEADER = ["word", "a_x", "a_y", "b_x", "b_y"]
EXTRA = [f"term{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(120)]  # termaa, termab, ...


@pytest.fixture
def files(tmp_path, fresh_home):
    """A corpus file (the tiny text, then 120 made-up words, each 1 to 7 times) and two vectors files over its
    182 words: B lacks A's last four ('termem'..'termep') and holds 'onlyinb'; 'zeroword' is a row of zeros in A
    only."""
    text = TINY_TEXT * 20 + "\n\n" + " ".join(" ".join([word] * (i % 7 + 1)) for i, word in enumerate(EXTRA))
    notes = tmp_path / "notes.txt"
    notes.write_text(text, encoding="utf-8")
    words = sorted(set(re.findall(r"[a-z]+", TINY_TEXT.lower()))) + EXTRA
    rng = np.random.default_rng(1)
    a_vectors = rng.normal(size=(len(words) + 1, 8)).astype(np.float32)
    a_vectors[-1] = 0
    write_vectors(tmp_path / "a.txt", [*words, "zeroword"], a_vectors)
    b_words = [*words[:-4], "onlyinb", "zeroword"]
    write_vectors(tmp_path / "b.txt", b_words, rng.normal(size=(len(b_words), 8)).astype(np.float32))
    return notes, f"vectors:{tmp_path / 'a.txt'}", f"vectors:{tmp_path / 'b.txt'}"


@pytest.fixture
def first_two_dims(monkeypatch) -> list[maps.MapSettings]:
    """``maps.aligned_layouts`` replaced by each space's first two dimensions; the settings of each call kept."""
    calls: list[maps.MapSettings] = []

    def layouts(a: np.ndarray, b: np.ndarray, settings: maps.MapSettings) -> tuple[np.ndarray, np.ndarray]:
        calls.append(settings)
        return a[:, :2].astype(np.float32), b[:, :2].astype(np.float32)

    monkeypatch.setattr(maps, "aligned_layouts", layouts)
    return calls


def _argv(files, out: Path, *options: str) -> list[str]:
    notes, a, b = files
    return ["map", "--a", a, "--b", b, "--corpus", str(notes), "--out", str(out), *options]


def _read(out: Path) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """The CSV's header, words and both layouts (read back as float32, as they were written)."""
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    points = np.array([row[1:] for row in rows[1:]], dtype=np.float32)
    return rows[0], [row[0] for row in rows[1:]], points[:, :2], points[:, 2:]


def _shared(files) -> tuple[spaces.EmbeddingSpace, spaces.EmbeddingSpace]:
    """A and B on the corpus, restricted to their shared words, as the Compare page holds them."""
    notes, a, b = files
    found = corpus.corpus_from_file(str(notes))
    return analysis.shared_spaces(spaces.load_space(a, found), spaces.load_space(b, found))


def _run(capsys, argv: list[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_map_writes_the_pages_sample_in_its_order_with_the_chosen_words_first(files, tmp_path, capsys, first_two_dims):
    out = tmp_path / "layout.csv"
    status, stdout, stderr = _run(
        capsys, _argv(files, out, "--words", "40", "--seed", "7", "--word", "Sparse", "--json")
    )
    assert status == 0
    shared_a, shared_b = _shared(files)
    assert len(shared_a) == 178  # 182 words of A, less its zero row and the four B lacks
    expected = maps.sample_words(shared_a.words, 40, 7, ["sparse"])  # --word as the corpus's tokens: lowercased
    header, words, layout_a, layout_b = _read(out)
    assert header == HEADER
    assert words == expected and len(words) == 40 and words[0] == "sparse"
    rows = [shared_a.index[word] for word in words]
    assert np.array_equal(layout_a, shared_a.vectors[rows, :2]) and np.array_equal(layout_b, shared_b.vectors[rows, :2])
    assert first_two_dims == [maps.MapSettings(sample_size=40, seed=7)]  # the page's settings for 40 words
    notes, a, b = files
    result = json.loads(stdout)
    seconds = result.pop("seconds")
    assert result == {
        "out": str(out),
        "words": 40,
        "a": a,
        "b": b,
        "seed": 7,
        "judged_elsewhere": [],
        "language_note": None,
    }
    assert isinstance(seconds, float) and seconds >= 0
    assert "zeroword" in stderr and "all-zero vector" in stderr  # the notice; no progress with --json
    assert "mapping" not in stderr and "loading" not in stderr


def test_map_without_words_is_the_reports_sample_and_defaults_to_the_pages_size_and_seed(
    files, tmp_path, capsys, first_two_dims
):
    out = tmp_path / "layout.csv"
    assert main(_argv(files, out, "--words", "25")) == 0
    shared_a, shared_b = _shared(files)
    _, words, _, _ = _read(out)
    assert words == report.map_sample(shared_a, shared_b, report.ReportSettings(map_words=25, seed=42))
    assert len(words) == 25 and first_two_dims[-1].seed == 42
    # the page's default size, 2,000, is more than the 178 shared words: all of them, most frequent first
    assert main(_argv(files, out)) == 0
    _, words, _, _ = _read(out)
    assert words == list(shared_a.words) and len(words) == 178


def test_map_puts_several_chosen_words_first_in_the_order_given(files, tmp_path, capsys, first_two_dims):
    out = tmp_path / "layout.csv"
    argv = _argv(files, out, "--words", "30", "--word", "termcz", "spectrum", "--word", "matrix", "--word", "termcz")
    assert main(argv) == 0
    _, words, _, _ = _read(out)
    assert words[:3] == ["termcz", "spectrum", "matrix"] and len(words) == 30 and len(set(words)) == 30
    shared_a, _ = _shared(files)
    assert words == maps.sample_words(shared_a.words, 30, 42, ["termcz", "spectrum", "matrix"])


def test_a_different_seed_samples_other_words(files, tmp_path, capsys, first_two_dims):
    one, two = tmp_path / "seed1.csv", tmp_path / "seed2.csv"
    assert main(_argv(files, one, "--words", "30", "--seed", "1")) == 0
    assert main(_argv(files, two, "--words", "30", "--seed", "2")) == 0
    assert _read(one)[1] != _read(two)[1]
    assert [settings.seed for settings in first_two_dims] == [1, 2]


def test_map_prints_one_line_on_stdout_and_its_progress_on_stderr(files, tmp_path, capsys, first_two_dims):
    out = tmp_path / "layout.csv"
    status, stdout, stderr = _run(capsys, _argv(files, out, "--words", "20"))
    assert status == 0
    notes, a, b = files
    assert stdout.splitlines() == [stdout.strip()]
    assert stdout.startswith(f"wrote the map of 20 words of {a} and {b} (seed 42) to {out} in ")
    progress = [line for line in stderr.splitlines() if "notice" not in line]
    assert progress == [
        f"loading A: {a}…",
        f"loading B: {b}…",
        "mapping 20 of the 178 shared words with AlignedUMAP (seed 42; from the disk cache when these words were "
        "mapped before)…",
    ]


def _lacking(files) -> dict[str, str]:
    notes, a, b = files
    return {
        "termep": f"--word: 'termep' is not in B ({b}): a map shows only the words both spaces hold",
        "onlyinb": f"--word: 'onlyinb' is not in A ({a}): a map",
        "quokka": f"'quokka' is not in A ({a}) nor B ({b})",
        "zeroword": f"'zeroword' is not in A ({a}) (an all-zero vector in A: no direction): a map",
    }


@pytest.mark.parametrize("word", ["termep", "onlyinb", "quokka", "zeroword"])
def test_a_word_not_in_both_spaces_is_named_with_the_space_that_lacks_it(files, tmp_path, capsys, word, first_two_dims):
    out = tmp_path / "layout.csv"
    status, stdout, stderr = _run(capsys, _argv(files, out, "--word", "matrix", "--word", word))
    assert status == 1 and stdout == ""
    assert _lacking(files)[word] in stderr and stderr.count("error") == 1
    assert "'matrix'" not in stderr  # only the words the map cannot show are named
    assert not out.exists() and first_two_dims == []


def test_every_word_a_map_cannot_show_is_named_at_once(files, tmp_path, capsys, first_two_dims):
    status, _, stderr = _run(capsys, _argv(files, tmp_path / "x.csv", "--word", "quokka", "termep"))
    assert status == 1
    assert "'quokka' is not in A" in stderr and "; 'termep' is not in B" in stderr


@pytest.mark.parametrize(
    "options, message",
    [
        (["--words", "9"], "sample size must be from 10 to 200,000 words, got 9"),
        (["--words", "200001"], "sample size must be from 10 to 200,000 words, got 200001"),
        (["--seed", "-1"], "--seed must be from 0 to 2,147,483,647, got -1"),
    ],
)
def test_bad_sizes_and_seeds_are_refused_before_any_work(files, tmp_path, capsys, options, message, monkeypatch):
    monkeypatch.setattr(spaces, "load_space", lambda *args: pytest.fail("loaded a space"))
    out = tmp_path / "layout.csv"
    status, stdout, stderr = _run(capsys, _argv(files, out, *options))
    assert (status, stdout) == (1, "")
    assert stderr == f"embedlab map: error: {message}\n"
    assert not out.exists()


def test_fewer_than_three_shared_words_make_no_map(files, tmp_path, capsys, first_two_dims):
    notes, _, _ = files
    rng = np.random.default_rng(3)
    write_vectors(tmp_path / "x.txt", ["matrix", "sparse", "solver"], rng.normal(size=(3, 4)).astype(np.float32))
    write_vectors(tmp_path / "y.txt", ["matrix", "sparse", "signal"], rng.normal(size=(3, 4)).astype(np.float32))
    out = tmp_path / "layout.csv"
    a, b = f"vectors:{tmp_path / 'x.txt'}", f"vectors:{tmp_path / 'y.txt'}"
    argv = ["map", "--a", a, "--b", b, "--corpus", str(notes), "--out", str(out)]
    status, _, stderr = _run(capsys, argv)
    assert status == 1
    assert f"embedlab map: error: A ({a}) and B ({b}) share 2 words: a map needs at least 3" in stderr
    assert not out.exists()


def test_an_output_that_cannot_be_written_is_refused_before_any_work(files, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(spaces, "load_space", lambda *args: pytest.fail("loaded a space"))
    notes, _, _ = files
    status, _, stderr = _run(capsys, _argv(files, tmp_path))
    assert status == 1 and f"--out {tmp_path} is a folder: give a file to write" in stderr
    status, _, stderr = _run(capsys, _argv(files, notes / "sub" / "layout.csv"))
    assert (
        status == 1 and f"cannot write --out {notes / 'sub' / 'layout.csv'}: {notes} is a file, not a folder" in stderr
    )
    assert notes.is_file()


def test_a_failed_write_leaves_an_earlier_file_whole_and_no_temporary_file(
    files, tmp_path, capsys, monkeypatch, first_two_dims
):
    out = tmp_path / "layout.csv"
    out.write_text("an earlier map\n", encoding="utf-8")
    assert main(_argv(files, out, "--word", "quokka")) == 1
    real = store.atomic_file

    def disk_full(path: Path, data: bytes) -> None:  # store.write_bytes, dying half way through
        with real(path) as handle:
            handle.write(data[: len(data) // 2])
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "write_bytes", disk_full)
    assert main(_argv(files, out, "--words", "20")) == 1
    assert "embedlab map: error: [Errno 28] No space left on device" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "an earlier map\n"
    assert not [path.name for path in tmp_path.iterdir() if path.name.startswith(".")]


@pytest.mark.slow
def test_argument_errors_exit_2_and_an_unknown_space_is_one_line(files, tmp_path, capsys, fresh_home):
    with pytest.raises(SystemExit) as raised:
        main(_argv(files, tmp_path / "x.csv", "--words", "many"))
    assert raised.value.code == 2 and "--words: invalid int value: 'many'" in capsys.readouterr().err
    notes, _, b = files
    done = subprocess.run(
        [sys.executable, "-m", "embedlab", "map", "--a", "nope", "--b", b, "--corpus", str(notes), "--out", "x.csv"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "EMBEDLAB_HOME": str(fresh_home), "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("embedlab map: error: unknown space 'nope'")
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "x.csv").exists()


@pytest.mark.slow
def test_map_rows_are_the_aligned_layouts_and_the_same_command_reads_them_from_the_cache(files, tmp_path, capsys):
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    cached = store.cache_dir() / "maps"
    assert main(_argv(files, one, "--words", "30", "--word", "matrix", "--json")) == 0
    first = json.loads(capsys.readouterr().out)
    assert len(list(cached.iterdir())) == 1
    assert main(_argv(files, two, "--words", "30", "--word", "matrix", "--json")) == 0
    second = json.loads(capsys.readouterr().out)
    assert one.read_bytes() == two.read_bytes()
    assert len(list(cached.iterdir())) == 1  # the second run fitted nothing: it read the first one's layouts
    assert second["seconds"] < first["seconds"]
    # The page's layouts of the same words (ui.map_layouts): the same cache entry, and the file's numbers
    shared_a, shared_b = _shared(files)
    words = maps.sample_words(shared_a.words, 30, 42, ["matrix"])
    rows = [shared_a.index[word] for word in words]
    layout_a, layout_b = maps.aligned_layouts(
        shared_a.vectors[rows], shared_b.vectors[rows], maps.MapSettings(sample_size=30, seed=42)
    )
    assert len(list(cached.iterdir())) == 1
    header, written, read_a, read_b = _read(one)
    assert header == HEADER and written == words and len(written) == 30 and written[0] == "matrix"
    assert np.array_equal(read_a, layout_a) and np.array_equal(read_b, layout_b)
    # another seed: another sample and another fit
    assert main(_argv(files, two, "--words", "30", "--word", "matrix", "--seed", "5")) == 0
    _, other, other_a, _ = _read(two)
    assert other != written and other[0] == "matrix" and len(list(cached.iterdir())) == 2
    assert not np.allclose(other_a[0], read_a[0])
