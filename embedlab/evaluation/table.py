"""The benchmark table people read: one row per measure, a column per space, the better space named and marked.

:func:`comparison_table` pivots the long table (:func:`embedlab.evaluation.benchmarks.benchmark_table`, one row per
space and benchmark) into that shape; :func:`comparison_styler` marks the better values in bold for the Evaluate
page and :func:`comparison_text` with a ``*`` for the CLI. :func:`vocabulary_table` says, per benchmark and space,
which words the space was scored on.

Every measure here is better when higher (correlations, accuracies, MRR, recall, coverage); the ``direction`` column
says so per row. Given the evaluation's paired differences (:attr:`embedlab.evaluation.run.Evaluation.differences`),
a score row's ``better`` is a test's verdict from its Holm-adjusted p ("A better", "B better", "A better (these files
only: one seed)", "no significant difference at 95%") and a ``difference`` column gives each space minus the
reference with its 95% interval, raw p and adjusted p; without them, and on
coverage rows (counts, not estimates), the higher value is named and values equal at the three decimals shown
are a tie.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from embedlab import formatting
from embedlab.evaluation.stats import CONFIDENCE
from embedlab.evaluation.uncertainty import row_verdict

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler


MEASURE = "measure"
DIRECTION = "direction"
BETTER = "better"
DIFFERENCE = "difference (95% CI), p"
HIGHER = "higher is better"
COVERAGE = "coverage"  # the word that marks a coverage row's measure (its values are shares, shown as %)
DECIMALS = 3  # values equal at this many decimals (as shown) are a tie
NO_SCORE = "no score"

_METRIC_NAMES = {"Spearman": "Spearman ρ", "accuracy": "accuracy (3CosAdd)"}


RETRIEVAL = "held-out retrieval"


def _grouped(table: pd.DataFrame) -> pd.DataFrame:
    """The long table with each space's held-out retrieval under one name: the benchmark's name carries the features
    (sentence embeddings / mean word vectors), which differ by space, but the measure is the same; the vocabulary
    table says which features each space used."""
    if not len(table):
        return table
    names = table["benchmark"].where(~table["benchmark"].str.startswith(RETRIEVAL), RETRIEVAL)
    return table.assign(benchmark=names)


def _unit(metric: str) -> str:
    if metric == "Spearman":
        return "pairs"
    if metric == "accuracy":
        return "questions"
    return "held-out pairs"


def space_columns(names: Sequence[str], labels: Mapping[str, str]) -> dict[str, str]:
    """Space name -> its column heading: its label, or ``label (name)`` where two spaces share a label."""
    headings = [labels.get(name, name) for name in names]
    return {
        name: heading if headings.count(heading) == 1 else f"{heading} ({name})"
        for name, heading in zip(names, headings)
    }


def comparison_table(
    table: pd.DataFrame, labels: Mapping[str, str] | None = None, differences: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per measure, a column per space, and the better space named.

    Args:
        table: the long benchmark table (columns space, benchmark, metric, score, oov_share; one row per space,
            benchmark and metric), as ``benchmark_table`` returns it.
        labels: space name -> column heading (default: the names).
        differences: paired differences (columns benchmark, metric, a, b, difference, ci_low, ci_high, p_value,
            verdict), as ``Evaluation.differences`` gives them; with two or more spaces they add the
            ``difference (95% CI), p`` column (e.g. "+0.052 [+0.010, +0.094], p = 0.015"; with more than two
            spaces one entry per space against the reference, "A − B: ...; C − B: ...") and decide a score row's
            ``better``: "A better", "B better" or "no significant difference at 95%" (joined by "; " as
            "A vs B: ..." with more than two spaces). A score row no difference covers keeps the rule below.

    Returns:
        Columns ``measure`` (e.g. "WordSim-353 · Spearman ρ", "WordSim-353 · coverage (pairs scored)"; held-out
        retrieval is one measure whatever features each space ranks with),
        ``direction`` ("higher is better"), one float column per space in the table's order (NaN where a space has
        no value), and ``better``: the heading of the space with the best value, "tie: A = B" when the best are
        equal at three decimals, "A (the only one scored)", "no score", or "—" with a single space. Each benchmark
        gives its score rows, then a coverage row: the share of its pairs or questions the space could score.
    """
    table = _grouped(table)
    names = list(dict.fromkeys(table["space"])) if len(table) else []
    columns = space_columns(names, labels or {})
    tested = differences is not None and len(names) >= 2
    rows: list[dict[str, Any]] = []
    for benchmark in dict.fromkeys(table["benchmark"]) if len(table) else []:
        part = table[table["benchmark"] == benchmark]
        metrics = list(dict.fromkeys(part["metric"]))
        for metric in metrics:
            scores = part[part["metric"] == metric].drop_duplicates("space").set_index("space")["score"]
            row = _row(f"{benchmark} · {_METRIC_NAMES.get(metric, metric)}", scores, columns)
            if tested and differences is not None:
                found = differences[(differences["benchmark"] == benchmark) & (differences["metric"] == metric)]
                row.update(_tested(found, columns, row[BETTER]))
            rows.append(row)
        shares = 1 - part.drop_duplicates("space").set_index("space")["oov_share"]
        rows.append(_row(f"{benchmark} · {COVERAGE} ({_unit(metrics[0])} scored)", shares, columns))
    extra = [DIFFERENCE] if tested else []
    frame = pd.DataFrame(rows, columns=[MEASURE, DIRECTION, *columns.values(), *extra, BETTER])
    if tested:
        frame[DIFFERENCE] = frame[DIFFERENCE].fillna("")
    return frame


def _tested(found: pd.DataFrame, columns: Mapping[str, str], fallback: str) -> dict[str, str]:
    """The difference text and the verdict of one score row from its differences (one per space against the
    reference); the rule's ``fallback`` verdict when none has a p-value (e.g. only one space scored)."""
    found = found[found["a"].isin(list(columns)) & found["b"].isin(list(columns))]
    if not len(found) or found["p_value"].isna().all():
        return {DIFFERENCE: "", BETTER: fallback}
    several = len(columns) > 2
    texts, verdicts = [], []
    for _, item in found.iterrows():
        a, b = columns[item["a"]], columns[item["b"]]
        text = (
            f"{formatting.estimate(item['difference'], item['ci_low'], item['ci_high'], digits=DECIMALS)}, "
            f"p = {_p(item['p_value'])}, Holm {_p(item['p_adjusted'])}"
        )
        verdict = row_verdict(item["difference"], item["p_adjusted"], a, b, item["scope"])
        texts.append(f"{a} − {b}: {text}" if several else text)
        verdicts.append(f"{a} vs {b}: {verdict}" if several else verdict)
    return {DIFFERENCE: "; ".join(texts), BETTER: "; ".join(verdicts)}


def difference_sentence(row: Mapping[str, Any], labels: Mapping[str, str], measure: str) -> str:
    """One difference row (``Evaluation.differences``) as a sentence: "Accuracy, A − B: +0.012 (95% CI +0.004 to
    +0.020), p = 0.003, Holm-adjusted 0.018 (t over seeds and items (Welch–Satterthwaite); seeds and test items (…)):
    A better".

    Args:
        row: a record with a, b, difference, ci_low, ci_high, p_value, p_adjusted, test, variance, scope.
        labels: space name -> readable label.
        measure: what is compared, capitalised ("Accuracy").
    """
    a, b = labels.get(row["a"], row["a"]), labels.get(row["b"], row["b"])
    return (
        f"{measure}, {a} − {b}: "
        f"{formatting.estimate(row['difference'], row['ci_low'], row['ci_high'], confidence=CONFIDENCE)}, "
        f"p = {_p(row['p_value'])}, Holm-adjusted {_p(row['p_adjusted'])} "
        f"({row['test']}; {row['variance']}): "
        f"{row_verdict(row['difference'], row['p_adjusted'], a, b, row['scope'])}"
    )


def variance_note(differences: pd.DataFrame, labels: Mapping[str, str]) -> str:
    """Which variance the table's tests cover, one clause per space compared (from the rows' ``variance``), and the
    size of the Holm family: empty without differences."""
    if not len(differences):
        return ""
    tested = int(differences["p_value"].notna().sum())
    clauses = [
        f"{labels.get(name, name)}: {group['variance'].iloc[0]}" for name, group in differences.groupby("a", sort=False)
    ]
    return f"Which variance each test covers — {'; '.join(clauses)}. Holm's adjustment over {tested} tests."


def _p(value: float) -> str:
    return "—" if _missing(value) else format(value, ".3g")


def _row(measure: str, values: pd.Series, columns: Mapping[str, str]) -> dict[str, Any]:
    cells = {heading: float(values.get(name, math.nan)) for name, heading in columns.items()}
    return {MEASURE: measure, DIRECTION: HIGHER, **cells, BETTER: _verdict(cells)}


def winners(cells: Mapping[str, float]) -> list[str]:
    """The headings whose value is best (highest, equal at :data:`DECIMALS` decimals counting as a tie); empty
    when fewer than two values are there to compare (NaN is no value)."""
    scored = {key: value for key, value in cells.items() if not _missing(value)}
    if len(scored) < 2:
        return []
    top = max(round(value, DECIMALS) for value in scored.values())
    return [key for key, value in scored.items() if round(value, DECIMALS) == top]


def _verdict(cells: Mapping[str, float]) -> str:
    if len(cells) < 2:
        return "—"
    scored = [key for key, value in cells.items() if not _missing(value)]
    if not scored:
        return NO_SCORE
    if len(scored) == 1:
        return f"{scored[0]} (the only one scored)"
    best = winners(cells)
    return best[0] if len(best) == 1 else "tie: " + " = ".join(best)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _space_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in (MEASURE, DIRECTION, DIFFERENCE, BETTER)]


def better_mask(frame: pd.DataFrame) -> pd.DataFrame:
    """True where a cell of :func:`comparison_table` holds its row's best value (ties: every best cell; nothing
    in a row with fewer than two values). A row with a tested difference marks only the space(s) its verdict calls
    better (nothing when no difference is significant).

    Returns:
        bool DataFrame with the frame's index and its space columns.
    """
    spaces = _space_columns(frame)
    mask = pd.DataFrame(False, index=frame.index, columns=spaces)
    for index, row in frame.iterrows():
        if DIFFERENCE in frame.columns and row[DIFFERENCE]:
            parts = str(row[BETTER]).split("; ")
            best = [h for h in spaces if any(p == f"{h} better" or p.endswith(f": {h} better") for p in parts)]
        else:
            best = winners({heading: row[heading] for heading in spaces})
        for heading in best:
            mask.loc[index, heading] = True
    return mask


def _is_coverage(measure: str) -> bool:
    return f"· {COVERAGE} (" in measure


def _cell_text(measure: str, value: float) -> str:
    if _missing(value):
        return "—"
    return f"{value:.1%}" if _is_coverage(measure) else f"{value:.{DECIMALS}f}"


def comparison_styler(frame: pd.DataFrame) -> Styler:
    """:func:`comparison_table` for ``st.dataframe``/HTML: scores to three decimals, coverage as %, NaN as "—",
    and each row's better value(s) in bold."""
    spaces = _space_columns(frame)
    mask = better_mask(frame)
    styler = frame.style
    for index, measure in frame[MEASURE].items():
        styler = styler.format(
            lambda value, measure=measure: _cell_text(measure, value), subset=pd.IndexSlice[[index], spaces]
        )
    return styler.apply(lambda _: mask.replace({True: "font-weight: bold", False: ""}), axis=None, subset=spaces)


def comparison_text(frame: pd.DataFrame) -> str:
    """:func:`comparison_table` as plain text for a terminal: values formatted, the better value(s) of each row
    followed by ``*``."""
    spaces = _space_columns(frame)
    mask = better_mask(frame)
    shown = frame.copy().astype({heading: object for heading in spaces})
    for index, row in frame.iterrows():
        for heading in spaces:
            text = _cell_text(row[MEASURE], row[heading])
            shown.loc[index, heading] = text + ("*" if mask.loc[index, heading] else "")
    return shown.to_string(index=False)


def vocabulary_table(table: pd.DataFrame, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Which words each space was scored on: one row per benchmark, a column per space.

    Args:
        table: the long benchmark table (columns space, benchmark, vocabulary).
        labels: space name -> column heading (default: the names).

    Returns:
        Columns ``benchmark`` and one text column per space ("" where the space has no row for the benchmark).
    """
    table = _grouped(table)
    names = list(dict.fromkeys(table["space"])) if len(table) else []
    columns = space_columns(names, labels or {})
    rows = []
    for benchmark in dict.fromkeys(table["benchmark"]) if len(table) else []:
        part = table[table["benchmark"] == benchmark].drop_duplicates("space").set_index("space")["vocabulary"]
        rows.append({"benchmark": benchmark, **{heading: str(part.get(name, "")) for name, heading in columns.items()}})
    return pd.DataFrame(rows, columns=["benchmark", *columns.values()])
