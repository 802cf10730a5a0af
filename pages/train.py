"""Train page: start Word2Vec / FastText jobs, watch their progress, cancel them."""
import pandas as pd
import streamlit as st

from embedlab import jobs, store, train, ui

ui.ensure_router()
st.title("Train")
options = ui.corpus_options()
if not options:
    st.info("No corpus yet: add one on the Corpus page first.")
    st.page_link("pages/corpus.py", label="Go to Corpus", icon=":material/description:")
    st.stop()

corpus_id = ui.corpus_selectbox("Corpus", options, key="train_corpus")
defaults = train.TrainConfig()
with st.form("train_form"):
    method = st.radio("Method", [m.value for m in train.Method], horizontal=True, key="train_method",
                      format_func={"word2vec": "Word2Vec", "fasttext": "FastText (subwords)"}.get)
    cells = st.columns(4)
    dim = cells[0].number_input("Dimensions", 2, 2000, defaults.dim, key="train_dim")
    window = cells[1].number_input("Window", 1, 50, defaults.window, key="train_window")
    min_count = cells[2].number_input("Min count", 1, 10**9, defaults.min_count, key="train_min_count")
    epochs = cells[3].number_input("Epochs", 1, 1000, defaults.epochs, key="train_epochs")
    cells = st.columns(4)
    sg = cells[0].radio("Architecture", ["CBOW", "Skip-gram"], key="train_arch") == "Skip-gram"
    negative = cells[1].number_input("Negative samples", 0, 50, defaults.negative, key="train_negative")
    sample = cells[2].number_input("Subsampling", 0.0, 0.99, defaults.sample, format="%.0e", key="train_sample",
                                   help="Frequent words are down-sampled above this frequency; 0 turns it off")
    seed = cells[3].number_input("Seed", 0, 2**31 - 1, defaults.seed, key="train_seed")
    reproducible = st.checkbox("Exactly reproducible (one thread: slower)", key="train_reproducible")
    submitted = st.form_submit_button("Start training", type="primary")
if submitted:
    try:
        config = train.TrainConfig(method=method, dim=int(dim), window=int(window), min_count=int(min_count),
                                   epochs=int(epochs), sg=sg, negative=int(negative), sample=float(sample),
                                   seed=int(seed), workers=1 if reproducible else 0)
        jobs.start_job(corpus_id, config)
    except ValueError as error:
        ui.show_error(error)

_STATUS_ICONS = {"done": ":material/check_circle:", "failed": ":material/error:",
                 "cancelled": ":material/cancel:", "interrupted": ":material/warning:"}


def _job_line(job: dict) -> str:
    params = job["params"]
    return f"**{params['method']}** · dim {params['dim']} · {params['epochs']} epochs · corpus {job['corpus_id']}"


def _show_job(job: dict) -> None:
    if job["status"] in jobs.ACTIVE:
        eta = f" · ETA {job['eta_seconds']:.0f} s" if job["eta_seconds"] is not None else ""
        speed = f" · {job['words_per_second']:,.0f} words/s" if job["words_per_second"] else ""
        left, right = st.columns([5, 1])
        left.progress(job["progress"], text=f"{_job_line(job)} — {job['status']}, epoch {max(job['epoch'], 1)}/"
                                            f"{job['epochs']}{speed}{eta}")
        if job["status"] in jobs.CANCELLABLE and right.button("Cancel", key=f"cancel_{job['id']}"):
            jobs.cancel_job(job["id"])
            st.rerun(scope="app")
    elif job["status"] == "done":
        st.success(f"{_job_line(job)} — done: run `{job['run_id']}`", icon=_STATUS_ICONS["done"])
    elif job["status"] == "failed":
        st.error(f"{_job_line(job)} — failed: {job['message']}", icon=_STATUS_ICONS["failed"])
    else:
        st.warning(f"{_job_line(job)} — {job['status']}: {job['message']}", icon=_STATUS_ICONS[job["status"]])


recent = jobs.list_jobs()[:8]
any_active = any(job["status"] in jobs.ACTIVE for job in recent)


@st.fragment(run_every=1.0 if any_active else None)
def job_board() -> None:
    current = jobs.list_jobs()[:8]
    st.subheader("Jobs")
    if not current:
        st.caption("No training jobs yet.")
    for job in current:
        _show_job(job)
    if any_active and not any(job["status"] in jobs.ACTIVE for job in current):
        st.rerun(scope="app")  # the last job ended: refresh the runs table and stop polling


job_board()

runs = store.list_runs()
if runs:
    st.subheader("Runs")
    st.dataframe(pd.DataFrame([{"run": r["id"], "method": r["params"]["method"], "dim": r["params"]["dim"],
                                "epochs": r["params"]["epochs"], "min_count": r["params"]["min_count"],
                                "corpus": r["corpus_id"], "vocabulary": r["vocab_size"],
                                "seconds": round(r["seconds"], 2)} for r in runs]),
                 hide_index=True, key="train_runs")
    st.page_link("pages/compare.py", label="Compare a run with the baseline", icon=":material/compare_arrows:")
