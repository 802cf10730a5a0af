"""Runs page: every trained run with its parameters, downloads of its vectors, delete; pretrained vectors files."""

import time
from pathlib import Path

import pandas as pd
import streamlit as st

from embedlab import config, evaluation, spaces, store, training, ui
from embedlab.errors import EmbedLabError
from embedlab.present.text import plain_markdown
from embedlab.records import RunRecord
from embedlab.ui.health import show_run_health

VECTORS_BYTES_PER_SECOND = 50e6  # read, checked, stored: a 43 MB word2vec text file took 0.54 s on 2 cores

ui.ensure_router()
st.title("Runs")

_PENDING_RUN = "runs_pending_delete"  # session keys (not widgets): which delete awaits its confirmation
_PENDING_VECTORS = "vectors_pending_delete"
_NOTICE = "runs_notice"
_DOWNLOADS = (
    (spaces.ExportFormat.WORD2VEC, "word2vec text", ":material/description:"),
    (spaces.ExportFormat.WORD2VEC_BINARY, "word2vec binary", ":material/memory:"),
    (spaces.ExportFormat.PROJECTOR, "Embedding Projector (zip)", ":material/scatter_plot:"),
)


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds))


def _retrieval(run: RunRecord) -> str:
    if not run.is_finetuned:
        return ""
    return training.retrieval_check(run.id).mrr_change


def _runs_frame(runs: list[RunRecord], corpus_names: dict[str, str]) -> pd.DataFrame:
    """One row per run: its method's own parameters (a fine-tuned run has no window, a Word2Vec run no batch)."""
    rows = []
    for run in runs:
        parameters = run.parameters()
        parameters.pop("dimensions")
        rows.append(
            {
                "run": run.id,
                "method": run.method.display_name,
                "dim": run.dim,
                **parameters,
                "corpus": corpus_names.get(run.corpus_id, "(deleted)"),
                "corpus id": run.corpus_id,
                "vocabulary": run.vocab_size,
                "training s": round(run.seconds, 2),
                "created": _when(run.created),
                "held-out MRR@10": _retrieval(run),
                **evaluation.results_summary(run.id),
            }
        )
    return pd.DataFrame(rows)


def _delete_run(run_id: str) -> None:
    st.session_state.pop(_PENDING_RUN, None)
    label = spaces.space_label(run_id)  # read before the run is gone
    try:
        store.delete_run(run_id)
    except EmbedLabError as error:
        st.session_state[_NOTICE] = ("error", str(error))
        return
    st.session_state.pop("runs_selected", None)
    st.session_state[_NOTICE] = (
        "success",
        f"Deleted run {plain_markdown(label)} (`{run_id}`); the other runs are untouched.",
    )


def _delete_vectors(item_id: str, name: str) -> None:
    st.session_state.pop(_PENDING_VECTORS, None)
    try:
        spaces.delete_uploaded_vectors(item_id)
    except EmbedLabError as error:
        st.session_state[_NOTICE] = ("error", str(error))
        return
    st.session_state.pop("vectors_selected", None)
    st.session_state[_NOTICE] = ("success", f"Deleted the vectors file {name}.")


def _show_added(added: spaces.UploadedVectors) -> None:
    """What was added, and what reading changed or left out: renamed words, repeats, all-zero rows, the limit."""
    st.success(
        f"{plain_markdown(added.name)}: {added.words:,} words × {added.dim} dimensions ({added.format}). It is a "
        "space on the Compare page now.",
        icon=":material/check_circle:",
    )
    for note in added.notes:
        st.info(plain_markdown(note[0].upper() + note[1:] + "."), icon=":material/info:")


def _ask(pending_key: str, value: str) -> None:
    st.session_state[pending_key] = value


def _cancel(pending_key: str) -> None:
    st.session_state.pop(pending_key, None)


def _confirm(pending_key: str, pending_value: str, question: str, on_confirm, args: tuple, key: str) -> None:
    """The second step of a delete: shown until the user confirms or cancels."""
    if st.session_state.get(pending_key) != pending_value:
        return
    with st.container(border=True):
        st.warning(question, icon=":material/warning:")
        left, right = st.columns(2)
        left.button("Yes, delete", type="primary", key=f"{key}_confirm", on_click=on_confirm, args=args)
        right.button("Cancel", key=f"{key}_cancel", on_click=_cancel, args=(pending_key,))


kind, text = st.session_state.pop(_NOTICE, (None, None))
if kind == "success":
    st.success(text, icon=":material/check_circle:")
elif kind == "error":
    st.error(text, icon=":material/error:")

runs = store.list_runs()
if not runs:
    st.info("No runs yet: train one on the Train page.")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
else:
    corpus_names = {record.id: record.name for record in store.list_corpora()}
    st.dataframe(_runs_frame(runs, corpus_names), hide_index=True, key="runs_table")
    st.caption(
        "Scores (ρ: Spearman with human judgements; analogies, task and retrieval as on the Evaluate page) "
        "are kept with a run once it has been evaluated on the Evaluate page or with "
        "`python -m embedlab evaluate`; empty means not evaluated yet."
    )
    labels = {
        run.id: f"{run.summary} · {corpus_names.get(run.corpus_id, 'deleted corpus')} · {run.id[-6:]}" for run in runs
    }
    if st.session_state.get("runs_selected") not in labels:
        st.session_state.pop("runs_selected", None)
    run_id = st.selectbox("Run", list(labels), format_func=labels.get, key="runs_selected")
    buttons = st.container(horizontal=True)
    show_run_health(run_id, labels[run_id])
    selected = next(run for run in runs if run.id == run_id)
    if selected.seeds:
        st.caption(
            f"Seeds {', '.join(map(str, selected.seeds))} (seed-noise floor): the run's vectors are seed "
            f"{selected.seeds[0]}'s; the other seeds' trainings are kept with it, so What changed on the Compare page "
            "tells a real change from what retraining with another seed alone changes."
        )
    if selected.is_finetuned:
        st.caption(training.retrieval_summary(run_id))
        buttons.download_button(
            "sentence-transformer model (zip)",
            data=lambda run_id=run_id: training.model_zip_bytes(run_id),
            file_name=f"{run_id}-model.zip",
            mime="application/zip",
            icon=":material/folder_zip:",
            on_click="ignore",
            key="runs_download_model",
        )
    else:
        st.caption(
            "Downloads hold the vectors as trained (not normalised); the projector zip holds vectors.tsv "
            "and metadata.tsv (word, corpus count) for projector.tensorflow.org."
        )
        for fmt, label, icon in _DOWNLOADS:
            buttons.download_button(
                label,
                data=lambda fmt=fmt, run_id=run_id: spaces.run_export_bytes(run_id, fmt),
                file_name=spaces.export_file_name(run_id, fmt),
                mime=spaces.EXPORT_MIME[fmt],
                icon=icon,
                on_click="ignore",
                key=f"runs_download_{fmt.value}",
            )
    st.button("Delete run…", icon=":material/delete:", key="runs_delete", on_click=_ask, args=(_PENDING_RUN, run_id))
    _confirm(
        _PENDING_RUN,
        run_id,
        f"Delete run {plain_markdown(labels[run_id])} (`{run_id}`)? Its vectors and parameters are removed from this "
        "machine; other runs stay. This cannot be undone.",
        _delete_run,
        (run_id,),
        "runs_delete",
    )

st.divider()
st.subheader("Pretrained vectors")
st.write(
    "Add word vectors trained elsewhere to compare them with your runs and the baseline on the Compare page: "
    "word2vec text or binary, GloVe text, or fastText `.vec`. The whole file is checked before it is stored."
)
upload = st.file_uploader(
    f"Vectors file (up to {config.MAX_VECTORS_MB} MB)",
    type=["txt", "vec", "bin", "w2v"],
    max_upload_size=config.MAX_VECTORS_MB,
    key="vectors_upload",
)
if upload is not None and st.button("Add as a space", type="primary", key="vectors_add"):
    try:
        added = ui.wait_with_progress(
            f"Reading and checking {upload.name}…",
            lambda report: spaces.save_uploaded_vectors(upload.name, upload.getvalue()),
            estimate_seconds=upload.size / VECTORS_BYTES_PER_SECOND,
        )
    except (EmbedLabError, OSError) as error:
        ui.show_error(error)
    else:
        _show_added(added)

with st.expander("A file on this machine, too big to upload (GloVe 840B, fastText Common Crawl)"):
    st.caption(
        "EmbedLab runs on your machine, so it can read the file where it is. It keeps the first N words "
        "(pretrained files list the most frequent first), reading only those: memory grows with N, not with the "
        "file. What is kept is stored as word2vec binary, so the space opens fast even if the file moves."
    )
    path_text = st.text_input(
        "Path of the vectors file on this machine",
        key="vectors_path",
        placeholder="/data/glove.840B.300d.txt",
    ).strip()
    keep = st.number_input(
        "Keep the N most frequent words (0 keeps every word)",
        min_value=spaces.uploads.KEEP_EVERY_WORD,
        value=spaces.uploads.PATH_KEEP_WORDS,
        step=50_000,
        key="vectors_path_limit",
    )
    if path_text and st.button("Add by path", type="primary", key="vectors_path_add"):
        limit = int(keep) or None
        try:
            row_bytes = spaces.vectors_dim(Path(path_text).expanduser()) * 9 + 10  # a text row; binary is smaller
            added = ui.wait_with_progress(
                f"Reading {'the first ' + format(limit, ',') + ' words of ' if limit else ''}{path_text}…",
                lambda report: spaces.register_vectors_path(path_text, limit),
                estimate_seconds=(limit or 400_000) * row_bytes / VECTORS_BYTES_PER_SECOND,
            )
        except (EmbedLabError, OSError) as error:
            ui.show_error(error)
        else:
            _show_added(added)

uploaded = spaces.list_uploaded_vectors()
if not uploaded:
    st.caption("No vectors files added yet.")
    st.stop()
st.dataframe(
    pd.DataFrame(
        [
            {
                "name": item.name,
                "words": item.words,
                "dim": item.dim,
                "format": item.format,
                "MB": round(item.size / 1024 / 1024, 2),
                "duplicates dropped": item.duplicates,
                "renamed": item.renamed,
                "zero rows": len(item.zero_words),
                "source": item.source or "upload",
                "added": _when(item.created),
                "space": item.spec,
            }
            for item in uploaded
        ]
    ),
    hide_index=True,
    key="vectors_table",
)
names = {item.id: f"{item.name} · {item.words:,} words · {item.dim} dims" for item in uploaded}
if st.session_state.get("vectors_selected") not in names:
    st.session_state.pop("vectors_selected", None)
chosen = st.selectbox("Vectors file", list(names), format_func=names.get, key="vectors_selected")
chosen_name = next(item.name for item in uploaded if item.id == chosen)
st.button(
    "Delete vectors file…",
    icon=":material/delete:",
    key="vectors_delete",
    on_click=_ask,
    args=(_PENDING_VECTORS, chosen),
)
_confirm(
    _PENDING_VECTORS,
    chosen,
    f"Delete the vectors file {chosen_name}? It is removed from this machine and from the Compare page's spaces.",
    _delete_vectors,
    (chosen, chosen_name),
    "vectors_delete",
)
