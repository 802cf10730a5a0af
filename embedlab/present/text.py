"""Text from users made safe to show: Streamlit markdown and plotly text that read back exactly as typed."""

from __future__ import annotations

import html
import re

# Characters that make Streamlit's markdown active: links and colour/icon directives ([ ]), HTML (< >), emphasis,
# code, LaTeX ($), strikethrough, tables; the dot of "://" and "www." too, so a bare URL does not become a link.
_MARKDOWN_ACTIVE = re.compile(r"([\\`*_\[\]<>$~|]|(?<=:)(?=//)|(?<=\bwww)(?=\.))", re.IGNORECASE)


def plain_markdown(text: str) -> str:
    """``text`` (a link's value, a word, a file name) escaped for a Streamlit markdown element: shown as typed,
    never as a link, HTML or formatting."""
    return _MARKDOWN_ACTIVE.sub(lambda match: "\\" + match.group(1), text)


def plotly_text(value: object) -> str:
    """User text (a word, a space name) for plotly, which reads <b>, <a href> and the like in text as markup:
    escaped, so it is shown exactly as written (plotly turns &lt; back into <)."""
    return html.escape(str(value), quote=False)
