"""One interval formatter (``embedlab.formatting``): every page, the CLI, the verdict, the report and the health
checks write a 95% interval the same way, and say so where there is none."""

import math

import pytest

from embedlab import formatting


@pytest.mark.parametrize(
    ("low", "high", "kwargs", "shown"),
    [
        (0.0104, 0.0936, {}, "[+0.010, +0.094]"),
        (-0.03, -0.01, {}, "[-0.030, -0.010]"),
        (-0.00301, 0.00702, {"digits": 4, "confidence": 0.95}, "95% CI [-0.0030, +0.0070]"),
        (0.412, 1.39, {"digits": 2}, "[+0.41, +1.39]"),
        (math.nan, 0.1, {}, "—"),
        (None, None, {"confidence": 0.95}, "—"),
        ("n/a", 0.1, {}, "—"),
    ],
)
def test_an_interval_reads_the_same_everywhere(low, high, kwargs, shown):
    assert formatting.interval(low, high, **kwargs) == shown


def test_an_estimate_leads_with_its_value_and_keeps_it_without_an_interval():
    assert formatting.estimate(0.052, 0.01, 0.094) == "+0.052 [+0.010, +0.094]"
    assert formatting.estimate(0.052, 0.01, 0.094, confidence=0.95) == "+0.052, 95% CI [+0.010, +0.094]"
    assert formatting.estimate(-0.5, math.nan, math.nan) == "-0.500"
    assert formatting.estimate(math.nan, 0.0, 1.0) == "—"


def test_no_module_formats_an_interval_of_its_own():
    """The ways intervals were written before (``95% interval a to b``, ``[a, b]`` by hand) are gone from the code."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    by_hand = re.compile(
        r"(?<!from )\{[^}]*(low|ci_low)[^}]*\} to \{[^}]*(high|ci_high)[^}]*\}"  # "+0.010 to +0.094" (a range
        # "from {low} to {high}" is a bound, not an interval)
        r"|\[\{[^}]*(low|ci_low)[^}]*\}, \{[^}]*(high|ci_high)[^}]*\}\]"  # "[+0.010, +0.094]" by hand
    )
    found = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("embedlab", "pages")
        for path in sorted((root / folder).rglob("*.py"))
        if path.name != "formatting.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if by_hand.search(line)
    ]
    assert found == []
