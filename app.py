"""EmbedLab: the router. Run with ``streamlit run app.py``."""

import streamlit as st

from embedlab import store, ui

# An emoji, not a Material symbol: a symbol as the page icon makes the browser fetch it from a font CDN.
st.set_page_config(page_title="EmbedLab", page_icon="🧭", layout="wide")
ui.mark_routed()
ui.start_background_warm_up()

corpus_page = st.Page("pages/corpus.py", title="Corpus", icon=":material/description:", url_path="corpus")
verdict_page = st.Page("pages/verdict.py", title="Verdict", icon=":material/gavel:", url_path="verdict")


def _start() -> None:
    """``/`` opens the Corpus page at its own path (Streamlit serves its default page only at ``/``); once a run
    exists, the Verdict: the answer the person trained it for."""
    st.switch_page(verdict_page if store.list_runs() else corpus_page)


navigation = st.navigation(
    [
        st.Page(_start, title="EmbedLab", url_path="start", default=True, visibility="hidden"),
        corpus_page,
        st.Page("pages/train.py", title="Train", icon=":material/model_training:", url_path="train"),
        verdict_page,
        st.Page("pages/runs.py", title="Runs", icon=":material/inventory_2:", url_path="runs"),
        st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:", url_path="compare"),
        st.Page("pages/evaluate.py", title="Evaluate", icon=":material/fact_check:", url_path="evaluate"),
    ]
)
with st.sidebar:
    st.caption(
        "Would custom embeddings beat the pretrained ones on your corpus? Everything runs on this "
        "machine; nothing leaves it."
    )
    ui.show_maps_status()
ui.run_page(navigation)
