"""Corpus page: upload or pick a sample, tokenise it, see its statistics, go on to train, or delete a corpus."""

import pandas as pd
import streamlit as st

from embedlab import config, corpus, spaces, ui
from embedlab.corpus.parallel import store_upload
from embedlab.errors import EmbedLabError
from embedlab.present import figures
from embedlab.present.text import plain_markdown
from embedlab.training import jobs

TOKENISED_BYTES_PER_SECOND = 2.5e6  # read + tokenise + store on 2 cores: the 2.1 MB sample CSV takes 0.65 s

_NOTICE = "corpus_notice"  # session key (not a widget): what the last delete did, shown after its rerun


def _delete_corpus(corpus_id: str, run_labels: dict[str, str]) -> None:
    try:
        deleted = corpus.delete_corpus(corpus_id)
    except EmbedLabError as error:
        st.session_state[_NOTICE] = ("error", plain_markdown(str(error)))
        return
    st.session_state.pop("corpus_chosen", None)
    st.session_state.pop(ui.ACTIVE_CORPUS, None)
    st.session_state[_NOTICE] = (
        "success",
        plain_markdown(f"Deleted the corpus {deleted.name} ({deleted.id}). {deleted.runs_note(run_labels)}"),
    )


ui.ensure_router()
st.title("Corpus")
st.write(
    "Upload the text you want embeddings for, or start from a sample. It is tokenised once and kept on "
    f"this machine under `{config.home()}`."
)

source = st.radio("Source", ["Upload a file", "Sample corpus"], horizontal=True, key="corpus_source")
name, data = None, None
if source == "Upload a file":
    upload = st.file_uploader(
        f"Corpus file ({', '.join(corpus.ACCEPTED_SUFFIXES)}; up to {config.MAX_UPLOAD_MB} MB)",
        type=[s.lstrip(".") for s in corpus.ACCEPTED_SUFFIXES],
        key="corpus_upload",
        help=f"Text in UTF-8 (UTF-16 and older single-byte encodings are read too, with a notice). A line may hold "
        f"up to {config.MAX_LINE_MB} MB; a zip may expand to {config.MAX_ZIP_EXPANDED_BYTES // 1024**2:,} MB "
        "and its own archives are skipped.",
    )
    if upload is not None:
        name, data = upload.name, upload.getvalue()
else:
    samples = {p.name: p for p in config.sample_files()}
    if samples:
        picked = st.selectbox("Sample", list(samples), key="corpus_sample")
        name, data = picked, samples[picked].read_bytes()
    else:
        st.info("No sample corpora found in sample_data/.")

if data is not None:
    delimiter = None  # None: the one detected
    try:
        corpus.check_size(name, len(data))  # the server caps uploads too; this also covers other ways in
        choices = corpus.delimiter_choices(name)  # by name; none for .md, .jsonl and zips (detected per member)
        if choices:
            if st.session_state.get("corpus_delimiter_file") != (name, len(data)):  # another file: its own guess
                st.session_state["corpus_delimiter_file"] = (name, len(data))
                st.session_state.pop("corpus_delimiter", None)
            detected = corpus.delimiter_name(ui.detect_delimiter(name, data))
            picked = st.selectbox(
                f"Delimiter (detected: {detected})",
                list(choices),
                index=list(choices).index(detected),
                key="corpus_delimiter",
                help="The character between the fields of a row. Excel writes semicolons where the decimal "
                "separator is a comma.",
            )
            delimiter = None if picked == detected else choices[picked]  # the detected one passed as "detect"
        columns, default_text_column = ui.table_columns(name, data, delimiter)
    except EmbedLabError as error:
        ui.show_error(error)
        columns, default_text_column, data = [], None, None
    read = corpus.ReadOptions(delimiter=delimiter)
    if columns:
        left, right = st.columns(2)
        text_column = left.selectbox(
            "Text column", columns, key="corpus_text_column", index=columns.index(default_text_column)
        )
        # The column that looks like a label (few values, each repeated) is chosen from the first draw: a labelled
        # table is never read as unlabelled unless the user says so. Another file or text column: its own guess.
        guess = ui.label_column_guess(name, data, delimiter, text_column)
        label_options = ["(none)"] + columns
        if st.session_state.get("corpus_label_guessed") != (name, len(data), delimiter, text_column):
            st.session_state["corpus_label_guessed"] = (name, len(data), delimiter, text_column)
            st.session_state["corpus_label_column"] = guess or "(none)"
        elif st.session_state.get("corpus_label_column") not in label_options:
            st.session_state["corpus_label_column"] = "(none)"
        label = right.selectbox(
            "Label column (optional, for task evaluation)",
            label_options,
            key="corpus_label_column",
            help="Pre-selected: the column that looks like a label (few distinct values, each repeated)"
            if guess
            else "No column looks like a label (few distinct values, each repeated)",
        )
        # The guessed column is passed as "guess", like the CLI without --text-column: the same corpus either way,
        # and a guess that finds no text says so.
        read = corpus.ReadOptions(
            None if text_column == default_text_column else text_column,
            None if label == "(none)" else label,
            delimiter,
        )
    left, right = st.columns(2)
    lowercase = left.checkbox("Lowercase", value=True, key="corpus_lowercase")
    phrases = right.checkbox("Detect multi-word phrases (heart_failure)", value=False, key="corpus_phrases")
    address = ui.ray_address()
    if address and name and name.lower().endswith(".zip"):
        st.caption(f"This archive's files are read and tokenised in parallel on the Ray cluster at {address}.")
    if data is not None and st.button("Process corpus", type="primary", key="corpus_process"):
        try:
            seconds = len(data) / TOKENISED_BYTES_PER_SECOND * (2 if phrases else 1)
            built = ui.wait_with_progress(
                f"Reading and tokenising {name}…",
                lambda report: store_upload(name, data, read, corpus.TokenizeOptions(lowercase, phrases), address),
                estimate_seconds=seconds,
            )
            st.session_state[ui.ACTIVE_CORPUS] = st.session_state["corpus_chosen"] = built.id  # show it below
        except EmbedLabError as error:
            ui.show_error(error)
        else:  # the next step, right where the person looks
            st.success(
                plain_markdown(f"{built.name} is ready: {built.stats.tokens:,} tokens. Next, train a run on it."),
                icon=":material/check_circle:",
            )
            st.page_link("pages/train.py", label="Train a run on this corpus", icon=":material/model_training:")

kind, text = st.session_state.pop(_NOTICE, (None, None))  # what the last delete did, after its rerun
if kind == "success":
    st.success(text, icon=":material/check_circle:")
elif kind == "error":
    st.error(text, icon=":material/error:")

options = ui.corpus_options()
if not options:
    st.stop()
st.divider()
chosen = ui.corpus_selectbox("Stored corpora", options, key="corpus_chosen")
shown = ui.load_corpus(chosen)
for notice in shown.notices:
    st.warning(plain_markdown(notice), icon=":material/warning:")  # notices quote file names
stats = shown.stats
cells = st.columns(6)
cells[0].metric("Documents", f"{stats.documents:,}")
cells[1].metric("Sentences", f"{stats.sentences:,}")
cells[2].metric("Tokens", f"{stats.tokens:,}")
cells[3].metric("Distinct words", f"{stats.types:,}")
cells[4].metric("Seen once", f"{stats.hapax_share:.1%}", help="Share of distinct words that occur exactly once")
if shown.labels:
    cells[5].metric("Labels", f"{len(set(shown.labels)):,}", help="Distinct values of the label column")
else:  # never "none" for a table read without the column that looks like its label
    cells[5].metric(
        "Labels", "not read" if shown.label_guess else "none", help=plain_markdown(corpus.no_labels_reason(shown))
    )
if stats.segmenter:  # Chinese, Japanese, Thai, Lao, Khmer or Burmese text: words found by a segmenter
    st.caption(plain_markdown(f"Words of scripts written without spaces found by {stats.segmenter}"))
languages = corpus.corpus_languages(shown)  # identified when stored; a corpus stored before: read now, once
st.markdown(
    f"**Language:** {plain_markdown(languages.describe())}",
    help=f"Share of the text's tokens in each language (those with {corpus.language.MIN_SHARE:.0%} or more), "
    f"identified by {languages.method} on {languages.passages:,} passages of a few sentences",
)
ui.show_language_note([spaces.BASELINE], shown.id)  # the pages that read it with the English baseline say so too
left, right = st.columns([1, 2])
left.dataframe(
    pd.DataFrame(stats.top_words, columns=["word", "count"]), hide_index=True, height=320, key="corpus_top_words"
)
right.plotly_chart(figures.rank_frequency(list(shown.counts.values())), key="corpus_rank_frequency")
st.page_link("pages/train.py", label="Next: train a run on this corpus", icon=":material/model_training:")

# named after the corpus: after a delete, the next corpus's expander is a new one, closed (no second click deletes it)
with st.expander(f"Delete {shown.name}", icon=":material/delete:"):
    jobs.list_jobs()  # a job whose worker vanished is marked interrupted first: it no longer holds the corpus
    deletion = corpus.corpus_deletion(shown.id)
    run_labels = spaces.space_labels([run.id for run in deletion.runs])  # read while the corpus still names them
    if deletion.refusal:
        st.info(plain_markdown(deletion.refusal), icon=":material/block:")
    else:
        st.caption(
            plain_markdown(
                f"Removes {shown.name}'s tokenised text from this machine. {deletion.runs_note(run_labels)} "
                "Every other corpus, run and file stays. This cannot be undone."
            )
        )
        st.button(
            f"Delete {shown.name}",
            key="corpus_delete",
            icon=":material/delete:",
            on_click=_delete_corpus,
            args=(shown.id, run_labels),
        )
