#!/usr/bin/env python
"""Corpus ingest: reading and tokenising a 100 MB text upload (embedlab.corpus.build_corpus), streamed.

Each side runs in its own process on the same synthetic ``.txt`` file, read whole as bytes as an upload
arrives:

* ``raw``: the floor: decode, then the same tokenising regex paragraph by paragraph, a Counter, the tokens
  written to a file; nothing kept;
* ``app``: ``build_corpus(name, data)`` into an empty EMBEDLAB_HOME: documents, sentences, tokens, counts,
  ``sentences.txt``, ``counts.tsv``, ``meta.json`` and the registry row.

The goal is on the app's peak RSS (< 1 GB for 100 MB). A second, half-size upload shows how peak memory grows
with the upload: a corpus held as Python token lists costs ~12 bytes of memory per byte of text, a list of its
documents about 3, the streamed ingest about 2 (the upload's bytes and its decoded text). Usage::

    python bench/ingest.py [--quick] [--repeats R] [--megabytes MB]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

_common.pin_threads()  # before numpy, torch or numba start their thread pools

NAME = "ingest"
SCRIPT = Path(__file__).resolve()
RSS_GOAL_MIB = 1024
BYTES_PER_TOKEN = 8.2  # of the synthetic text (pseudo-words of 2-4 syllables)


def _raw_side(args: list[str]) -> dict:
    """Decode and tokenise with the corpus's own regex, streamed to a file: what ingesting costs at least."""
    import re
    from collections import Counter

    from embedlab.corpus.tokens import WORD

    path, out = Path(args[0]), Path(args[1])
    counts: Counter = Counter()
    text = path.read_bytes().decode("utf-8")
    with out.open("w", encoding="utf-8") as handle:
        for paragraph in re.finditer(r"(?:[^\n]|\n(?!\n))+", text):
            tokens = WORD.findall(paragraph.group().lower())
            counts.update(tokens)
            handle.write(" ".join(tokens) + "\n")
    return {"tokens": sum(counts.values()), "types": len(counts)}


def _app_side(args: list[str]) -> dict:
    import os
    import tempfile

    path = Path(args[0])
    os.environ["EMBEDLAB_HOME"] = tempfile.mkdtemp(dir=path.parent)  # empty: the same bytes would be reused
    from embedlab.corpus import build_corpus

    corpus = build_corpus(path.name, path.read_bytes())
    return {"tokens": corpus.stats.tokens, "types": corpus.stats.types, "documents": corpus.stats.documents}


def _upload(work: Path, megabytes: float) -> Path:
    path = work / f"upload-{megabytes:g}mb.txt"
    _common.SyntheticText().write(path, int(megabytes * 1e6 / BYTES_PER_TOKEN))
    return path


def _zipped(upload: Path, members: int = 10) -> Path:
    """The upload's paragraphs split into ``members`` text files of one zip, as a folder of notes arrives."""
    import zipfile

    paragraphs = upload.read_text(encoding="utf-8").split("\n\n")
    path = upload.with_suffix(".zip")
    step = -(-len(paragraphs) // members)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in range(members):
            archive.writestr(
                f"notes/part{member:02d}.txt", "\n\n".join(paragraphs[member * step : (member + 1) * step])
            )
    return path


def main(argv: list[str] | None = None) -> int:
    if _common.side_main({"raw": _raw_side, "app": _app_side}, argv):
        return 0
    parser = _common.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=None, help="upload size (default 100; --quick 20)")
    args = parser.parse_args(argv)
    megabytes = args.megabytes or (20 if args.quick else 100)
    repeats = args.repeats or 2
    with _common.scratch_home(NAME) as work:
        upload, half = _upload(work, megabytes), _upload(work, megabytes / 2)
        size_mb = upload.stat().st_size / 2**20
        print(f"upload: {size_mb:.1f} MiB of text", flush=True)
        sides = _common.interleaved(
            repeats,
            {
                "raw": lambda: _common.run_side(SCRIPT, "raw", str(upload), str(work / "raw-tokens.txt")),
                "app": lambda: _common.run_side(SCRIPT, "app", str(upload)),
            },
        )
        half_app = _common.run_side(SCRIPT, "app", str(half))
        half_mb = half.stat().st_size / 2**20
        archive = _zipped(upload)
        zip_mb = archive.stat().st_size / 2**20
        zip_app = _common.run_side(SCRIPT, "app", str(archive))
    raw_s, app_s = (_common.median([side.seconds for side in sides[name]]) for name in ("raw", "app"))
    raw_peak, app_peak = (_common.median([side.peak_mib for side in sides[name]]) for name in ("raw", "app"))
    slope = (app_peak - half_app.peak_mib) / (size_mb - half_mb)
    output = sides["app"][0].output
    step = f"ingest + tokenise a {size_mb:.0f} MiB .txt upload ({output['tokens'] / 1e6:.1f}M tokens)"
    report = _common.Report(NAME, "Corpus ingest (streamed)", _common.command_line("ingest.py"))
    report.rows = [
        _common.Row(
            f"{step}: peak RSS",
            _common.mib(raw_peak),
            _common.mib(app_peak),
            app_peak / raw_peak,
            f"< {RSS_GOAL_MIB:,} MiB",
            app_peak < RSS_GOAL_MIB,
        ),
        _common.Row(f"{step}: wall", _common.seconds(raw_s), _common.seconds(app_s), app_s / raw_s, "—", None),
        _common.Row(
            f"the same text as a {zip_mb:.0f} MiB .zip of 10 files: peak RSS",
            _common.mib(raw_peak),
            _common.mib(zip_app.peak_mib),
            zip_app.peak_mib / raw_peak,
            f"< {RSS_GOAL_MIB:,} MiB",
            zip_app.peak_mib < RSS_GOAL_MIB,
        ),
    ]
    report.notes = [
        f"Median of {repeats} interleaved runs, each side in its own process (peak RSS from wait4). raw = decode "
        "+ the corpus's tokenising regex per paragraph + Counter, streamed to a file: the floor.",
        f"Memory grows by {slope:.1f} MiB per MiB of upload (app peak {half_app.peak_mib:,.0f} MiB at half the "
        "size): the upload's bytes and its decoded text. Documents are read from that text one at a time and their "
        "tokens go to disk: neither is ever held as a list of the whole corpus.",
        f"{output['documents']:,} documents, {output['types']:,} distinct words.",
        "The zip (one run) holds the compressed upload and one member's bytes and text at a time: members are "
        "decompressed when their documents are read, never all together.",
    ]
    report.details = {
        "megabytes": size_mb,
        "slope_mib_per_mib": slope,
        "half_app_peak_mib": half_app.peak_mib,
        "raw": [vars(side) for side in sides["raw"]],
        "app": [vars(side) for side in sides["app"]],
        "zip": vars(zip_app),
    }
    report.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
