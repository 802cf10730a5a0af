"""Presentation: what the pages, the CLI and the report draw from plain results.

- :mod:`~embedlab.present.figures`: plotly figures, each a function returning a ``go.Figure`` (tests read
  ``fig.to_dict()``);
- :mod:`embedlab.present.report`: the self-contained HTML report, a module per section;
- :mod:`~embedlab.present.verdict_view`: the verdict as the page reads it;
- :mod:`~embedlab.present.text`: escaping (view records in links: :mod:`embedlab.analysis.views`).

Import the modules themselves: plotly is not loaded until needed.

Example::

    from embedlab.present import figures

    summary, scores = analysis.compare_spaces(a, b, k=10)
    figures.change_histogram(scores["jaccard"], "Jaccard@10", 0.0, 1.0).show()
"""
