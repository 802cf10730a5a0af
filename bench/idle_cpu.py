#!/usr/bin/env python
"""Server CPU with one idle browser tab open, with a virtualenv-sized folder tree inside the project folder.

Users make their virtualenv inside the project folder (~6,000 folders). Streamlit's default file watcher watches
the app's folder recursively; past the inotify queue it re-scans, and the re-scan fed itself: about 100% of a
core for as long as a tab was open. EmbedLab's ``.streamlit/config.toml`` turns the watcher off.

Two sides on the same tree, one after the other:

* ``default``: ``streamlit run app.py --server.fileWatcherType auto`` (Streamlit's default, what version one ran);
* ``embedlab``: ``streamlit run app.py`` with the project's config.

Each side starts the server with a scratch EMBEDLAB_HOME, opens the Corpus page in Debian's Chromium (Playwright),
waits until the page is idle and UMAP's background warm-up is over, then reads the server's CPU time from
``/proc/<pid>/stat`` over ``--seconds`` (60 by default) while the tab stays open. Reported: % of one core.

Usage::

    python bench/idle_cpu.py [--folders 6000] [--seconds 60]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

sys.path.insert(0, str(_common.ROOT / "tests"))

NAME = "idle_cpu"
GOAL_PERCENT = 2.0
TREE = _common.RESULTS / "venv-like-tree"  # inside the project folder (bench/results/ is git-ignored)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip


def _make_tree(folders: int) -> None:
    """``folders`` folders, 60 to a parent, each with one small file, as a virtualenv's site-packages has."""
    shutil.rmtree(TREE, ignore_errors=True)
    for i in range(folders):
        folder = TREE / f"package{i // 60:03d}" / f"module{i % 60:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").write_text("# placeholder\n")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _side(watcher: str | None, seconds: float) -> float:
    """% of one core the server used over ``seconds`` with one idle tab open."""
    from playwright.sync_api import sync_playwright

    with _common.scratch_home(f"idle-{watcher or 'embedlab'}-") as home:
        port = _free_port()
        command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
        if watcher:
            command += ["--server.fileWatcherType", watcher]
        with (home / "server.log").open("ab") as log:
            server = subprocess.Popen(command, cwd=_common.ROOT, env={**os.environ, "EMBEDLAB_HOME": str(home)},
                                      stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()
                deadline = time.time() + 120
                while True:
                    try:
                        page.goto(f"http://localhost:{port}/", timeout=10_000)
                        break
                    except Exception:  # the server is still starting
                        if time.time() > deadline:
                            raise
                        time.sleep(1)
                page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=120_000)
                time.sleep(60)  # the background UMAP warm-up (about 40 s) is over: what is left is idle time
                start = _cpu_seconds(server.pid)
                time.sleep(seconds)
                used = _cpu_seconds(server.pid) - start
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
            overflows = (home / "server.log").read_text(errors="replace").count("Inotify queue overflowed")
            print(f"  {watcher or 'embedlab config'}: {100 * used / seconds:.1f}% of a core; "
                  f"'Inotify queue overflowed' logged {overflows:,} times", flush=True)  # fmt: skip
    return 100 * used / seconds


def main(argv: list[str] | None = None) -> bool:
    parser = _common.parser(__doc__.splitlines()[0])
    parser.add_argument("--folders", type=int, default=6000)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = 20.0
    _make_tree(args.folders)
    try:
        default = _side("auto", args.seconds)
        ours = _side(None, args.seconds)
    finally:
        shutil.rmtree(TREE, ignore_errors=True)
    row = _common.Row(
        f"server CPU, one idle tab, {args.folders:,} folders in the project folder (% of a core over "
        f"{args.seconds:.0f} s)",
        f"{default:.1f}%",
        f"{ours:.1f}%",
        ours / default if default else float("nan"),
        f"< {GOAL_PERCENT:.0f}%",
        ours < GOAL_PERCENT,
    )
    report = _common.Report(NAME, "Idle server CPU with a browser tab open", _common.command_line("idle_cpu.py"))
    report.rows.append(row)
    report.notes.append("raw: Streamlit's default file watcher (version one); app: the project's config (no watcher)")
    report.details.update({"default_percent": default, "embedlab_percent": ours, "folders": args.folders})
    report.save()
    return bool(row.passed)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
