"""The report's page frame: its style sheet, escaping, tables, key numbers, figures and headings as HTML.

Every piece of text that reaches the page goes through :func:`escape` (``html.escape``); the figures are drawn
with :func:`report_template` whatever plotly's default template is in this process.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from embedlab.present.report.settings import Section

# Rows of a long word list (most changed, missing words): the report is read, not searched.
TABLE_ROWS = 25


STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px;
       color: #222; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.3rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #f6f6f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pair { display: flex; gap: 2rem; flex-wrap: wrap; } .pair > div { flex: 1; min-width: 300px; }
.numbers { display: flex; gap: 2.5rem; flex-wrap: wrap; } .numbers div { font-size: 0.85rem; color: #555; }
.numbers b { display: block; font-size: 1.6rem; color: #222; } .muted { color: #666; font-size: 0.85rem; }
.warn { background: #fff4e5; border-left: 4px solid #ff8700; padding: 0.4rem 0.8rem; }
"""


def escape(value: object) -> str:
    """Any value as HTML text: ``str(value)`` with ``& < > " '`` escaped (``html.escape``)."""
    return html.escape(str(value), quote=True)


def html_table(frame: pd.DataFrame) -> str:
    """An HTML table; every cell is escaped, numbers right-aligned, a missing number (NaN) shown as a dash."""
    head = "".join(f"<th>{escape(column)}</th>" for column in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for value in values:
            if isinstance(value, (float, np.floating)) and np.isnan(value):
                cells.append('<td class="num">—</td>')
            elif isinstance(value, (float, np.floating)):
                cells.append(f'<td class="num">{value:.3f}</td>')
            elif isinstance(value, (int, np.integer)):
                cells.append(f'<td class="num">{value:,}</td>')
            else:
                cells.append(f"<td>{escape(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def key_numbers(pairs: Sequence[tuple[str, str]]) -> str:
    """A row of big numbers, each over its label: ``pairs`` of (label, number as shown)."""
    return '<div class="numbers">' + "".join(f"<div><b>{escape(v)}</b>{escape(k)}</div>" for k, v in pairs) + "</div>"


# The colours of Streamlit's light chart theme, which the app's charts get; in the app's process plotly's default
# template is Streamlit's, whose colours are placeholders only the app's browser code fills in ("#000001"...),
# so a figure built there and written to a file would be near-black.
APP_COLOURS = (
    "#0068c9",
    "#83c9ff",
    "#ff2b2b",
    "#ffabab",
    "#29b09d",
    "#7defa1",
    "#ff8700",
    "#ffd16a",
    "#6d3fc0",
    "#d5dae5",
)


def report_template() -> go.layout.Template:
    """The template every figure of the report is drawn with, whatever plotly's default is in this process:
    plotly's ``plotly_white`` with the app's colours (:data:`APP_COLOURS`) and text colour, so the file looks like
    the app."""
    template = go.layout.Template(pio.templates["plotly_white"])
    template.layout.colorway = APP_COLOURS
    template.layout.font = {"family": '"Source Sans Pro", system-ui, sans-serif', "color": "#31333F"}
    return template


def figure_html(fig: go.Figure) -> str:
    """A figure as an HTML fragment drawn with :func:`report_template`; plotly's JavaScript is the page's, once."""
    drawn = go.Figure(fig)
    drawn.update_layout(template=report_template())
    return drawn.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def heading(section: Section) -> str:
    """The section's ``<h2>``: :attr:`Section.heading`."""
    return f"<h2>{escape(section.heading)}</h2>"
