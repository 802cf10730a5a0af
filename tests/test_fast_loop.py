"""The one-minute loop, checked: the fast subset (every test not marked slow or browser) must cost under
``FAST_LOOP_CPU_SECONDS`` of CPU, counted as `time` counts it (user + system of the whole command). It runs in the
whole suite (it is itself slow: it runs the fast subset once more) and the run's summary prints what it measured.

It measures the loop as a developer reruns it: Python's bytecode cache on (whatever PYTHONDONTWRITEBYTECODE says
here) and warmed by one collection first, so the count is the tests' work, not compiling 80 test modules' rewritten
asserts again on every run."""

import os
import resource
import subprocess
import sys

import pytest
from conftest import FAST_LOOP, FAST_LOOP_CPU_SECONDS, FAST_LOOP_MEASURED, ROOT


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


@pytest.mark.slow
def test_the_fast_loop_stays_under_its_cpu_budget(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["EMBEDLAB_HOME"] = str(tmp_path)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-m", FAST_LOOP]
    subprocess.run([*command, "--collect-only"], cwd=ROOT, env=env, capture_output=True, check=True, timeout=600)
    before = _children_cpu()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    spent = _children_cpu() - before
    FAST_LOOP_MEASURED.append(spent)  # the run's summary prints it, pass or fail
    tail = "\n".join(done.stdout.splitlines()[-15:])
    assert done.returncode == 0, tail
    assert "fast loop: " in done.stdout  # the loop itself says what it cost (tests/conftest.py)
    assert spent < FAST_LOOP_CPU_SECONDS, (
        f"the fast loop took {spent:.1f} CPU-seconds (budget {FAST_LOOP_CPU_SECONDS:.0f}): mark what trains, "
        f"encodes, fits or runs a page or the CLI end to end as slow\n{tail}"
    )
