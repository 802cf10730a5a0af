"""The one way a training method saves a run: a folder under ``runs/`` and its registry row, both or neither.

Every method writes its artefacts inside :func:`staged_run`'s block; the protocol around them is here only:

1. a run id (a new one unless the caller brings one) and a clean slate: staging folders that killed processes
   left behind are removed;
2. the block writes into a hidden staging folder beside ``runs/<run_id>`` and ends with :meth:`StagedRun.finish`;
3. ``params.json`` is written, then ``may_commit`` is asked (the job worker's last chance to honour a cancel);
   a False answer raises :class:`Cancelled` and nothing is left;
4. the staging folder becomes ``runs/<run_id>`` in one rename, then the registry row is added; if that insert
   fails the folder is removed again. A folder without its row is invisible, but a row without its folder would
   list a run that cannot be opened, so the folder always comes first and goes first.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embedlab import store
from embedlab.errors import EmbedLabError
from embedlab.records import RunRecord
from embedlab.training.configs import Cancelled

__all__ = ["StagedRun", "staged_run"]

PARAMS_FILE = "params.json"


def _always() -> bool:
    return True


@dataclass
class StagedRun:
    """A run being written inside :func:`staged_run`.

    Attributes:
        run_id: the run's id; its folder will be ``runs/<run_id>``.
        folder: inside the block, the staging folder to write the run's artefacts into; once committed, the
            run's folder ``runs/<run_id>`` (the same files, renamed).
    """

    run_id: str
    folder: Path
    _params: dict[str, Any] | None = field(default=None, init=False, repr=False)
    _vocab_size: int = field(default=0, init=False, repr=False)
    _seconds: float = field(default=0.0, init=False, repr=False)
    _record: RunRecord | None = field(default=None, init=False, repr=False)

    def finish(self, params: Mapping[str, Any], *, vocab_size: int, seconds: float) -> None:
        """Say what the run is; call it last in the block, once every artefact is in :attr:`folder`.

        Args:
            params: the method's entries for ``params.json`` (figures, timings, versions), JSON-serialisable.
                ``run_id``, ``method``, ``config`` and ``corpus_id`` are always those given to
                :func:`staged_run`; entries of those names here are ignored.
            vocab_size: how many words the run's space holds (the registry's ``vocab_size``).
            seconds: how long training took (the registry's ``seconds``).
        """
        self._params = dict(params)
        self._vocab_size = vocab_size
        self._seconds = seconds

    @property
    def record(self) -> RunRecord:
        """The committed run's registry row.

        Raises:
            RuntimeError: read before the ``with`` block committed the run.
        """
        if self._record is None:
            raise RuntimeError(f"run {self.run_id} is not committed yet; read its record after the with block")
        return self._record


@contextmanager
def staged_run(
    corpus_id: str,
    method: str,
    config: Mapping[str, Any],
    *,
    run_id: str | None = None,
    may_commit: Callable[[], bool] = _always,
) -> Iterator[StagedRun]:
    """Write a run in a staging folder and commit it, folder and registry row, when the block succeeds.

    Guarantees: when the ``with`` statement completes, ``runs/<run_id>/`` holds what the block wrote plus
    ``params.json``, and the registry has the row :attr:`StagedRun.record`. When it raises, whatever the cause (an
    error in the block, a cancel, a failing registry insert), there is neither ``runs/<run_id>/`` nor its staging
    folder nor a registry row. Staging folders older than an hour (left by killed processes) are removed on entry.

    ``params.json`` is ``{"run_id", "method", "config", "corpus_id"}`` followed by the block's
    :meth:`StagedRun.finish` params; its ``config`` is the same dict the registry row keeps as ``params``.

    Args:
        corpus_id: the corpus the run was trained on.
        method: the registry's method name (``word2vec``, ``fasttext``, ``sentence-transformer``).
        config: the settings to record: the registry row's ``params`` and params.json's ``config``.
        run_id: the id to save under; a new one when None (the job worker brings its own).
        may_commit: asked once, after params.json is written and just before the rename; False cancels.

    Yields:
        The :class:`StagedRun`: write into its ``folder``, then call its ``finish``.

    Raises:
        EmbedLabError: ``run_id`` is not a plain folder name, or a run of that id exists already (on entry).
        Cancelled: ``may_commit`` answered False (message ``run <run_id> was cancelled``).
        RuntimeError: the block ended without calling :meth:`StagedRun.finish`.
        Whatever the block or the registry insert raised, after the rollback.
    """
    run_id = run_id or store.new_id("run")
    runs = store.runs_dir()
    final = runs / run_id
    if Path(run_id).name != run_id or run_id.startswith("."):
        raise EmbedLabError(f"a run id is a plain folder name such as run-20260101-120000-abc123, got '{run_id}'")
    if final.exists() or store.get_run(run_id) is not None:
        raise EmbedLabError(f"run {run_id} exists already in {runs}; pick a new run id")
    store.remove_stale_staging(runs)
    fixed = {"run_id": run_id, "method": method, "config": dict(config), "corpus_id": corpus_id}
    with store.staged_dir(final) as staging:
        run = StagedRun(run_id, staging)
        yield run
        if run._params is None:
            raise RuntimeError(f"run {run_id}: the block ended without calling finish(); nothing was saved")
        params = {**fixed, **run._params, **fixed}  # the fixed keys first, and with their own values
        (staging / PARAMS_FILE).write_text(json.dumps(params, indent=2, ensure_ascii=False), encoding="utf-8")
        if not may_commit():
            raise Cancelled(f"run {run_id} was cancelled")
    try:
        store.add_run(run_id, corpus_id, method, dict(config), run._vocab_size, run._seconds)
    except BaseException:
        shutil.rmtree(final, ignore_errors=True)  # a run folder without its row is invisible: never keep one
        raise
    record = store.get_run(run_id)
    if record is None:  # deleted (from another session) between the insert and this read; its folder went too
        raise EmbedLabError(f"run {run_id} was deleted while it was being saved")
    run._record = record
    run.folder = final
