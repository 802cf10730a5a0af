"""Train page: start Word2Vec / FastText training or MiniLM fine-tuning jobs, watch their progress, cancel them."""

import pandas as pd
import streamlit as st

from embedlab import corpus, spaces, store, training, ui
from embedlab.errors import EmbedLabError
from embedlab.present.text import plain_markdown
from embedlab.records import JobRecord, RunMethod
from embedlab.training import REPLICAS, FinetuneConfig, TrainConfig, jobs
from embedlab.training.configs import REPRODUCIBLE_WORKERS
from embedlab.ui.health import show_run_health
from embedlab.ui.widgets import config_number_input, config_slider, input_arguments

ui.ensure_router()
st.title("Train")
options = ui.corpus_options()
if not options:
    st.info("No corpus yet: add one on the Corpus page first.")
    st.page_link("pages/corpus.py", label="Go to Corpus", icon=":material/description:")
    st.stop()

corpus_id = ui.corpus_selectbox("Corpus", options, key="train_corpus")
METHODS = {
    RunMethod.WORD2VEC: "Word2Vec",
    RunMethod.FASTTEXT: "FastText (subwords)",
    RunMethod.SENTENCE_TRANSFORMER: "Fine-tune MiniLM (sentence-transformer)",
}
method = st.radio(
    "Method", list(METHODS), horizontal=True, key="train_method", format_func=METHODS.get, persist_state="session"
)


ray_address = ui.where_jobs_run()


def start(config, replicas: int = REPLICAS.low) -> None:
    try:
        jobs.start_job(
            corpus_id, config, backend="ray" if ray_address else "local", ray_address=ray_address, replicas=replicas
        )
    except EmbedLabError as error:
        ui.show_error(error)


if method == RunMethod.SENTENCE_TRANSFORMER:
    st.caption(
        "Neighbouring sentences of a document are pulled together, other sentences in the batch pushed "
        "apart. Pairs from a tenth of the documents are held out and never trained on: MRR@10 and "
        "recall@10 on them are measured before and after. About 15–30 pairs/s on a 2-core CPU, ~50x on "
        "a GPU (used when present)."
    )
    with st.form("finetune_form", enter_to_submit=False):
        cells = st.columns(4)
        max_pairs = config_number_input(cells[0], FinetuneConfig, "max_pairs", key="ft_max_pairs")
        max_minutes = config_number_input(cells[1], FinetuneConfig, "max_minutes", key="ft_max_minutes")
        batch = config_number_input(cells[2], FinetuneConfig, "batch_size", key="ft_batch")
        epochs = config_number_input(cells[3], FinetuneConfig, "epochs", key="ft_epochs")
        cells = st.columns(4)
        rate = config_number_input(cells[0], FinetuneConfig, "learning_rate", key="ft_lr", format="%.0e")
        seed = config_number_input(cells[1], FinetuneConfig, "seed", key="ft_seed")
        pairs = cells[2].file_uploader("Your own pairs (optional CSV: anchor,positive)", type=["csv"], key="ft_pairs")
        chosen_corpus = ui.load_corpus(corpus_id)
        has_labels = bool(chosen_corpus.labels)
        # On a row of its own: in a quarter of the form its label was cut off
        # ticked where neighbouring sentences are too few to pair (a job would only start to fail), per corpus
        ui.follow_corpus(
            "ft_use_labels",
            corpus_id,
            training.prefers_label_pairs(chosen_corpus, FinetuneConfig.batch_size),
            chosen="ft_use_labels" in st.session_state,
        )
        use_labels = st.checkbox(
            training.LABEL_PAIRS_OPTION,
            key="ft_use_labels",
            disabled=not has_labels,
            help="Each document is paired with another of the same label: for one-line documents (tickets, "
            "package descriptions), which have no neighbouring sentences to pair"
            if has_labels
            else plain_markdown(corpus.no_labels_reason(chosen_corpus)),
        )
        replicas = REPLICAS.low
        if ray_address:
            replicas = int(st.number_input(**input_arguments(REPLICAS, REPLICAS.low), key="ft_replicas"))
        submitted = st.form_submit_button("Start fine-tuning", type="primary")
    if submitted:
        try:
            pairs_file = training.save_pairs_upload(pairs.name, pairs.getvalue()) if pairs is not None else ""
            start(
                FinetuneConfig(
                    max_pairs=int(max_pairs),
                    max_minutes=float(max_minutes),
                    batch_size=int(batch),
                    epochs=int(epochs),
                    learning_rate=float(rate),
                    seed=int(seed),
                    pairs_file=pairs_file,
                    use_labels=bool(use_labels),
                ),
                replicas,
            )
        except EmbedLabError as error:
            ui.show_error(error)
else:
    starts = [
        "",
        *(item.spec for item in spaces.list_uploaded_vectors()),
        *(run.id for run in store.list_runs() if not run.is_finetuned),
    ]
    start_labels = spaces.space_labels(starts[1:])
    cells = st.columns([3, 2])
    init = cells[0].selectbox(
        "Start from pretrained vectors (optional)",
        starts,
        key="train_init",
        format_func=lambda spec: start_labels.get(spec) or "random init",
        help="Words the file (or earlier run) knows start from its vectors; add files on the Runs page",
    )
    lock = config_slider(
        cells[1],
        TrainConfig,
        "lock_pretrained",
        key="train_lock",
        disabled=not init,
        help=None if init else "Choose pretrained vectors first",
    )
    init_dim = None
    if init:
        try:
            init_dim = training.init_dim(init)
        except EmbedLabError as error:
            ui.show_error(error)
    with st.form("train_form", enter_to_submit=False):
        cells = st.columns(4)
        if init_dim is None:
            dim = config_number_input(cells[0], TrainConfig, "dim", key="train_dim")
        else:  # continued training keeps the pretrained vectors' dimension
            dim = cells[0].number_input(
                TrainConfig.LIMITS["dim"].label,
                value=init_dim,
                disabled=True,
                key="train_dim_from_init",
                help="Those of the pretrained vectors",
            )
        window = config_number_input(cells[1], TrainConfig, "window", key="train_window")
        min_count = config_number_input(cells[2], TrainConfig, "min_count", key="train_min_count")
        epochs = config_number_input(cells[3], TrainConfig, "epochs", key="train_epochs")
        cells = st.columns(5)
        sg = cells[0].radio("Architecture", ["CBOW", "Skip-gram"], key="train_arch") == "Skip-gram"
        negative = config_number_input(cells[1], TrainConfig, "negative", key="train_negative")
        sample = config_number_input(cells[2], TrainConfig, "sample", key="train_sample", format="%.0e")
        seed = config_number_input(cells[3], TrainConfig, "seed", key="train_seed")
        seeds = config_number_input(cells[4], TrainConfig, "seeds", key="train_seeds")
        reproducible = st.checkbox("Exactly reproducible (one thread: slower)", key="train_reproducible")
        submitted = st.form_submit_button("Start training", type="primary")
    if submitted:
        try:
            start(
                TrainConfig(
                    method=method,
                    dim=int(dim),
                    window=int(window),
                    min_count=int(min_count),
                    epochs=int(epochs),
                    sg=sg,
                    negative=int(negative),
                    sample=float(sample),
                    seed=int(seed),
                    workers=REPRODUCIBLE_WORKERS if reproducible else TrainConfig.workers,
                    init=init,
                    lock_pretrained=float(lock) if init else TrainConfig.lock_pretrained,
                    seeds=int(seeds),
                )
            )
        except EmbedLabError as error:
            ui.show_error(error)

_STATUS_ICONS = {
    "done": ":material/check_circle:",
    "failed": ":material/error:",
    "cancelled": ":material/cancel:",
    "interrupted": ":material/warning:",
}


def _job_line(job: JobRecord, corpus_names: dict[str, str]) -> str:
    where = f" · {job.node}" if job.node else ""
    corpus_name = corpus_names.get(job.corpus_id, "a deleted corpus")  # by its file name, as every picker names it
    return f"**{job.summary}** · corpus {plain_markdown(corpus_name)}{where}"


def _show_job(job: JobRecord, corpus_names: dict[str, str]) -> None:
    def line(job: JobRecord) -> str:
        return _job_line(job, corpus_names)

    if job.is_active:
        left, right = st.columns([5, 1])
        left.progress(job.progress, text=f"{line(job)} — {jobs.progress_text(job)}")
        if job.is_cancellable and right.button("Cancel", key=f"cancel_{job.id}"):
            jobs.cancel_job(job.id)
            st.rerun(scope="app")
    elif job.status == "done" and job.run_id and store.get_run(job.run_id) is None:
        st.info(f"{line(job)} — done: run `{job.run_id}`, deleted since", icon=":material/delete:")
    elif job.status == "done" and job.run_id:
        st.success(f"{line(job)} — done: run `{job.run_id}`", icon=_STATUS_ICONS["done"])
        show_run_health(job.run_id, spaces.space_label(job.run_id))
        if job.method is RunMethod.SENTENCE_TRANSFORMER:
            st.caption(training.retrieval_summary(job.run_id))
    elif job.status == "failed":
        st.error(f"{line(job)} — failed: {job.message}", icon=_STATUS_ICONS["failed"])
    else:
        ended = f"{job.status}: {job.message}" if job.message else job.status
        st.warning(f"{line(job)} — {ended}", icon=_STATUS_ICONS.get(job.status))


recent = jobs.list_jobs()[:8]
any_active = any(job.is_active for job in recent)


@st.fragment(run_every=1.0 if any_active else None)
def job_board() -> None:
    current = jobs.list_jobs()[:8]
    st.subheader("Jobs")
    if not current:
        st.caption("No training jobs yet.")
    corpus_names = {record.id: record.name for record in store.list_corpora()}
    for job in current:
        _show_job(job, corpus_names)
    if any_active and not any(job.is_active for job in current):
        st.rerun(scope="app")  # the last job ended: refresh the runs table and stop polling


job_board()

runs = store.list_runs()
if runs:
    st.subheader("Runs")
    run_labels = spaces.space_labels([r.id for r in runs])  # readable, and never two alike
    corpus_names = {record.id: record.name for record in store.list_corpora()}
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "run": run_labels[r.id],
                    "method": r.method.display_name,
                    "dim": r.dim,
                    "settings": r.summary,
                    "corpus": corpus_names.get(r.corpus_id, "(deleted)"),
                    "vocabulary": r.vocab_size,
                    "seconds": round(r.seconds, 2),
                }
                for r in runs
            ]
        ),
        hide_index=True,
        key="train_runs",
    )
    st.page_link("pages/compare.py", label="Compare a run with the baseline", icon=":material/compare_arrows:")
