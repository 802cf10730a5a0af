"""Presentation: plotly figures, the self-contained HTML report, view states in share links, text escaping.

Import the modules themselves (``from embedlab.present import figures``): plotly is not loaded until needed.
"""
