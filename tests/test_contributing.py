"""What a new engineer reads stays true: the Makefile, the pre-commit hooks, the README's test command and
``.ci/run`` run the same steps, CONTRIBUTING.md names only targets that exist, and the README's package layout
table names every module under ``embedlab/``."""

from __future__ import annotations

import doctest
import importlib
import re
import shlex

import pytest
import yaml
from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def _section(markdown: str, heading: str) -> str:
    """The text under ``## heading`` up to the next heading of that level."""
    start = markdown.index(f"\n## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end >= 0 else None]


def _bash_blocks(markdown: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", markdown, flags=re.DOTALL)]


def _recipe(target: str) -> str:
    """A Makefile target's recipe, its lines joined (the ``@`` that silences echo dropped)."""
    match = re.search(rf"^{re.escape(target)}:[^\n]*\n((?:\t[^\n]*\n)+)", MAKEFILE, flags=re.MULTILINE)
    assert match, f"the Makefile has no target {target!r}"
    return " ; ".join(line.strip().removeprefix("@") for line in match.group(1).splitlines())


def _ci_command() -> str:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    commands = [line for line in lines if line.strip() and not line.startswith(("#", "set ", "cd "))]
    assert len(commands) == 1, commands
    return commands[0].strip()


def test_make_test_runs_the_readme_test_command_as_ci_does():
    readme_command = _bash_blocks(_section(README, "Run the tests"))[0]
    assert readme_command == _ci_command() == _recipe("test")
    assert readme_command.split(" && ") == [
        "bash .ci/install-test-deps",
        "ruff check .",
        "ruff format --check .",
        "mypy",
        "python -m pytest",
    ]


def test_the_other_targets_run_the_steps_of_ci_and_the_readme_fast_loop():
    install, lint_check, format_check, types, _ = _ci_command().split(" && ")
    assert _recipe("test-deps") == install
    assert _recipe("lint") == f"{lint_check} && {format_check}"
    assert re.search(rf"\b{types} --cache-dir \"\$\$cache\"", _recipe("types"))
    assert _recipe("fast") == _bash_blocks(_section(README, "Run the tests"))[1]
    assert _recipe("install") == "python -m pip install -r requirements.txt"
    assert _recipe("app") == "streamlit run app.py"
    assert _recipe("bench").startswith("python bench/run_all.py")


def test_pre_commit_hooks_run_ci_lint_and_type_steps_locally():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert [repo["repo"] for repo in config["repos"]] == ["local"]  # no hook is downloaded
    hooks = {hook["id"]: hook for hook in config["repos"][0]["hooks"]}
    assert {hook["language"] for hook in hooks.values()} == {"system"}  # the pinned ruff and mypy installed here
    _, lint_check, format_check, types, _ = _ci_command().split(" && ")
    assert hooks["ruff-check"]["entry"] == lint_check.removesuffix(" .") + " --force-exclude"
    assert hooks["ruff-format"]["entry"] == format_check.removesuffix(" .") + " --force-exclude"
    assert f'{types} --cache-dir "$cache"' in hooks["mypy"]["entry"]
    assert hooks["mypy"]["pass_filenames"] is False  # the package as pyproject.toml configures it, like CI


def test_contributing_names_only_make_targets_that_exist():
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*):", MAKEFILE, flags=re.MULTILINE))
    named = set(re.findall(r"\bmake ([a-z][\w-]*)", contributing))
    assert {"fast", "test", "lint", "types", "bench"} <= named
    assert named <= targets, f"CONTRIBUTING.md names make targets the Makefile lacks: {sorted(named - targets)}"
    for command in _bash_blocks(contributing):  # every command shown parses as shell words
        for line in command.splitlines():
            shlex.split(line, comments=True)


def _layout_rows() -> dict[str, set[str]]:
    """The README's package layout table: package (``embedlab.corpus``) -> every name in backticks in its row."""
    rows: dict[str, set[str]] = {}
    for line in _section(README, "Package layout").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`embedlab"):
            rows[cells[0].strip("`")] = set(re.findall(r"`([^`]+)`", cells[2]))
    return rows


def test_the_readme_layout_table_names_every_module():
    rows = _layout_rows()
    package = ROOT / "embedlab"
    stages = sorted(f"embedlab.{path.parent.name}" for path in package.glob("*/__init__.py"))
    assert sorted(set(rows) - {"embedlab"}) == stages, "one row per stage package, and a row for embedlab itself"
    missing = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).with_suffix("").parts
        if parts[-1] == "__init__":
            continue
        row = rows["embedlab" if len(parts) == 1 else f"embedlab.{parts[0]}"]
        # a module of a package inside a stage (present/report/bias.py) is named beside `report/`
        needed = {parts[-1]} | ({f"{'/'.join(parts[1:-1])}/"} if len(parts) > 2 else set())
        if not needed <= row:
            missing.append("/".join(parts) + ".py")
    assert not missing, f"README's 'Package layout' table does not name: {missing}"


@pytest.mark.parametrize("stage", ["corpus", "spaces", "training"])
def test_the_examples_in_the_stage_guides_run(stage):
    """The ``>>>`` lines of a stage package's guide docstring (the fast ones: no training, no MiniLM) give what
    they show; the longer examples there are ``::`` blocks, checked by the tests of what they call."""
    module = importlib.import_module(f"embedlab.{stage}")
    tests = doctest.DocTestFinder(recurse=False).find(module)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False) == doctest.TestResults(failed=0, attempted=runner.tries)
    assert runner.tries >= 2
