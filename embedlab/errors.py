"""The one error type for the user's mistakes.

Every message a person can act on (a file that cannot be read, a parameter out of range, a space that does not
exist) is raised as :class:`EmbedLabError`. The boundaries (the pages, the CLI, the job worker) show its message
as it is; any other exception is a bug of ours, and they log its traceback instead of passing it off as the user's
mistake.
"""

from __future__ import annotations

__all__ = ["EmbedLabError"]


class EmbedLabError(ValueError):
    """A problem with the user's input or request, worded for them: what was wrong and what to do.

    It subclasses ``ValueError`` because every such problem is a bad value; code that catches ``ValueError``
    from a parser it calls still sees it.
    """
