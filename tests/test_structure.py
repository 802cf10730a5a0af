"""The package's shape, checked: no import cycle, no import from a lower stage to a higher one, streamlit only in
``embedlab.ui``, every import inside a function says why it is there, and the usage example in the package
docstring runs."""

from __future__ import annotations

import ast
import doctest
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

import embedlab

PACKAGE = ROOT / "embedlab"

# Pipeline stages from the bottom up: a module may import its own stage and the ones below, never one above.
LAYERS = [
    ("embedlab", "embedlab.config", "embedlab.errors", "embedlab.formatting", "embedlab.records"),
    ("embedlab.store", "embedlab.cluster"),
    ("embedlab.metrics",),
    ("embedlab.corpus",),
    ("embedlab.spaces",),
    ("embedlab.training",),
    ("embedlab.analysis",),
    ("embedlab.evaluation",),
    ("embedlab.verdict",),
    ("embedlab.present",),
    ("embedlab.ui",),
    ("embedlab.cli", "embedlab.__main__"),
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> int:
    for rank, prefixes in enumerate(LAYERS):
        if any(module == p or (p != "embedlab" and module.startswith(p + ".")) for p in prefixes):
            return rank
    raise AssertionError(f"{module} belongs to no stage: add it to LAYERS")


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(module: str) -> list[tuple[str, int, bool]]:
    """(imported embedlab module, line, inside a function) for every import that runs (TYPE_CHECKING ones don't)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, in_function) for a in child.names if a.name.startswith("embedlab"))
            elif isinstance(child, ast.ImportFrom) and child.module and child.module.startswith("embedlab"):
                for alias in child.names:
                    target = f"{child.module}.{alias.name}"
                    found.append((target if target in MODULES else child.module, child.lineno, in_function))
            visit(child, inner)

    visit(tree, False)
    return found


GRAPH = {module: sorted({target for target, _, _ in _imports(module)} - {module}) for module in MODULES}


def _cycle(graph: dict[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_import_graph_has_no_cycle():
    assert _cycle(GRAPH) is None, " -> ".join(_cycle(GRAPH) or [])


def test_the_cycle_check_finds_a_cycle():
    assert _cycle({"a": ["b"], "b": ["c"], "c": ["a"], "d": []}) == ["a", "b", "c", "a"]
    assert _cycle({"a": ["b"], "b": [], "c": ["a", "b"]}) is None


def test_no_stage_imports_a_stage_above_it():
    upward = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if _layer(target) > _layer(module)
    ]
    assert upward == []


def _says_why(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line, or above the block of imports it belongs to."""
    if "#" in lines[lineno - 1]:
        return True
    above = lineno - 2
    while above >= 0 and (
        lines[above].strip().startswith(("import ", "from ", ")")) or lines[above].strip().endswith(",")
    ):
        above -= 1
    return above >= 0 and lines[above].strip().startswith("#")


def test_imports_inside_functions_say_why():
    """A function-level import is for start-up time (a heavy library) and says so on its line or the line above;
    EmbedLab's own modules are imported at the top, where the graph above can see them."""
    silent, own = [], []
    for module, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
            for node in (n for n in ast.walk(function) if isinstance(n, ast.Import | ast.ImportFrom)):
                name = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                if name and name.startswith("embedlab"):
                    own.append(f"{module}:{node.lineno} {name}")
                elif not _says_why(lines, node.lineno):
                    silent.append(f"{module}:{node.lineno} {name}")
    assert own == [] and silent == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "statement",
    ["import embedlab", "import embedlab.cli", "from embedlab import analysis, corpus, evaluation, spaces, training"],
)
def test_the_package_and_the_cli_never_import_streamlit_or_torch(statement):
    code = f"import sys; {statement}; print(sorted(m for m in ('streamlit', 'torch') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_only_the_ui_package_imports_streamlit():
    importers = [
        module
        for module, path in MODULES.items()
        if "import streamlit" in path.read_text(encoding="utf-8")
        or "from streamlit" in path.read_text(encoding="utf-8")
    ]
    assert importers and all(module.startswith("embedlab.ui.") for module in importers)


def test_no_module_imports_another_modules_private_name():
    """What one module uses from another is public (named without ``_``, with a docstring): a private helper used
    across modules is a shared one in disguise."""
    private = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("embedlab"):
                names = [alias.name for alias in node.names]
                private += [f"{module}: {node.module}.{name}" for name in names if name.startswith("_")]
    assert private == []


def test_every_public_function_and_class_has_a_docstring():
    missing = []
    for module, path in MODULES.items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
                if not ast.get_docstring(node) and not (module.startswith("embedlab.ui") and node.name.islower()):
                    missing.append(f"{module}.{node.name}")
    assert missing == []


@pytest.mark.slow
def test_the_usage_example_in_the_package_docstring_runs(fresh_home):
    """The example loads a space, compares two and evaluates one: it is what a newcomer copies first."""
    results = doctest.testmod(embedlab, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert results.attempted >= 6 and results.failed == 0


@pytest.mark.slow  # importing umap-learn takes seconds
def test_workarounds_of_third_party_internals_match_the_installed_releases():
    """ui.compat and maps._compiling_once reach into Streamlit's router and umap-learn's optimiser: an upgrade must
    re-check them (then move WRITTEN_FOR to the new release)."""
    import streamlit
    import umap
    from streamlit.runtime.pages_manager import PagesManager

    from embedlab.analysis import maps
    from embedlab.ui import compat

    assert streamlit.__version__ == compat.WRITTEN_FOR and hasattr(PagesManager, "uses_pages_directory")
    assert umap.__version__ == maps.UMAP_WRITTEN_FOR
    requirements = (ROOT / "requirements.txt").read_text()
    assert f"streamlit=={compat.WRITTEN_FOR}" in requirements and f"umap-learn=={maps.UMAP_WRITTEN_FOR}" in requirements


# --- Pages declare no training limit or default: the configs' LIMITS and field defaults are the one source ---------

_WIDGET_BOUNDS = {  # Streamlit widget -> (positional slots after the label, keywords) holding its bounds and value
    "number_input": (3, {"min_value", "max_value", "value"}),
    "slider": (3, {"min_value", "max_value", "value"}),
    "select_slider": (2, {"options", "value"}),
}
_CONFIG_WIDGETS = {"config_number_input", "config_slider", "input_arguments"}  # ui.widgets: bounds from a config
_CONFIGS = {"TrainConfig", "FinetuneConfig"}
# Pages whose non-training widgets still hold literal bounds, and how many such places: other parts of issue 26 move
# them into the view records. The count may only fall; at 0, drop the page from this list.
_PAGES_PENDING: dict[str, int] = {}  # every page is held to zero


def _setting_names() -> set[str]:
    from embedlab.training import FinetuneConfig, TrainConfig

    return {*TrainConfig.LIMITS, *FinetuneConfig.LIMITS, "replicas"}


def _has_number(node: ast.AST, numbered: set[str]) -> bool:
    """Whether ``node`` holds a numeric literal, or a name the page assigns from an expression that holds one."""
    for part in ast.walk(node):
        if isinstance(part, ast.Constant) and type(part.value) in (int, float, complex):
            return True
        if isinstance(part, ast.Name) and part.id in numbered:
            return True
    return False


_ARITHMETIC = (ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop, ast.Tuple, ast.List, ast.Load)


def _numbered_names(tree: ast.AST) -> set[str]:
    """The names a page assigns a number, or numbers, by arithmetic alone (``MAX_DIM = 2000``, ``LR = (1e-7, 0.1)``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            parts = list(ast.walk(node.value))
            if all(isinstance(part, _ARITHMETIC) for part in parts) and _has_number(node.value, set()):
                names |= {t.id for target in targets for t in ast.walk(target) if isinstance(t, ast.Name)}
    return names


def _callee(node: ast.Call) -> str:
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")


def _declared_settings(source: str, settings: set[str]) -> list[str]:
    """Where a page's source declares a number a training config declares, one line each: a widget bound or starting
    value given as a number (or a name the page assigned a number); bounds of a config input overridden; a number
    passed to a config; a setting compared with a number (``if dim > 2000``)."""
    tree = ast.parse(source)
    numbered = _numbered_names(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _callee(node)
            if name in _WIDGET_BOUNDS:
                slots, keywords = _WIDGET_BOUNDS[name]
                bounds = [*node.args[1 : 1 + slots], *(k.value for k in node.keywords if k.arg in keywords)]
                if any(_has_number(bound, numbered) for bound in bounds):
                    found.append(f"line {node.lineno}: {name} with a number for a bound or its value")
            elif name in _CONFIG_WIDGETS and any(k.arg in {"min_value", "max_value", "value"} for k in node.keywords):
                found.append(f"line {node.lineno}: {name} overriding the config's bounds")
            elif name in _CONFIGS and any(_has_number(k.value, numbered) for k in node.keywords):
                found.append(f"line {node.lineno}: {name} given a number")
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            named = {
                p.id if isinstance(p, ast.Name) else p.attr
                for o in operands
                for p in ast.walk(o)
                if isinstance(p, ast.Name | ast.Attribute)
            }
            if named & settings and any(
                isinstance(o, ast.Constant) and type(o.value) in (int, float) for o in operands
            ):
                found.append(f"line {node.lineno}: {', '.join(sorted(named & settings))} compared with a number")
    return found


def test_no_page_declares_a_training_limit_or_default():
    """The Train page's inputs take their bounds and starting values from TrainConfig/FinetuneConfig (through
    ``ui.widgets.config_number_input``), so the page and the validators cannot disagree again; no other page
    declares a widget bound as a number either, beyond the pending list, which may only shrink."""
    settings = _setting_names()
    for path in sorted((ROOT / "pages").glob("*.py")):
        page = path.relative_to(ROOT).as_posix()
        found = _declared_settings(path.read_text(encoding="utf-8"), settings)
        assert len(found) <= _PAGES_PENDING.get(page, 0), f"{page} declares limits or defaults: {found}"
    assert _declared_settings((ROOT / "pages" / "train.py").read_text(encoding="utf-8"), settings) == []


@pytest.mark.parametrize(
    "source, offence",
    [
        ('dim = st.number_input("Dimensions", 2, 2000, 100, key="train_dim")', "line 1: number_input"),
        ('rate = cells[0].number_input("Learning rate", min_value=1e-7, key="ft_lr")', "line 1: number_input"),
        ('MAX_DIM = 2000\ndim = st.number_input("Dimensions", max_value=MAX_DIM)', "line 2: number_input"),
        ("SEEDS = (0, 2**31 - 1)\nseed = st.number_input('Seed', *SEEDS)", "line 2: number_input"),
        ('lock = st.slider("Lock", 0.0, 1.0, 1.0, 0.05)', "line 1: slider"),
        ('k = st.select_slider("k", options=[5, 10, 20])', "line 1: select_slider"),
        ('x = config_number_input(st, TrainConfig, "dim", key="d", max_value=4000)', "line 1: config_number_input"),
        ("start(TrainConfig(method=m, workers=1 if exact else 0))", "line 1: TrainConfig given a number"),
        ("if int(dim) > 2000:\n    st.error('too many')", "line 1: dim compared with a number"),
        ("if config.learning_rate >= 0.1:\n    st.warning('high')", "line 1: learning_rate compared with a number"),
    ],
)
def test_the_page_check_catches_a_declared_limit(source, offence):
    found = _declared_settings(source, _setting_names())
    assert len(found) == 1 and found[0].startswith(offence), found
    clean = 'dim = config_number_input(cells[0], TrainConfig, "dim", key="train_dim")\ncells = st.columns(4)'
    assert _declared_settings(clean, _setting_names()) == []
