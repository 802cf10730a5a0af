"""Widgets and messages several pages share: the corpus picker, error messages, the maps status, encoding
progress bars, and the inputs of training settings (their bounds and defaults read from the configs).
"""

from __future__ import annotations

import hashlib
import logging
import os
from typing import Any

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from embedlab import cluster, config, corpus, spaces
from embedlab.analysis import maps
from embedlab.errors import EmbedLabError
from embedlab.present.text import plain_markdown
from embedlab.training.configs import Bound, FinetuneConfig, TrainConfig, field_default
from embedlab.ui.cache import load_corpus, load_space

ACTIVE_CORPUS = "active_corpus"  # session key (not a widget key, so it survives page switches)


@st.cache_resource(show_spinner=False)
def start_background_warm_up() -> bool:
    """Once per server process: compile UMAP's numba kernels in a background thread."""
    maps.warm_up_in_background()
    return True


WARM_UP_SECONDS = 40.0  # UMAP's numba compile on 2 cores, measured after a cold start (bench/umap_speed.py)
MAPS_COMPILING = (
    "UMAP is still compiling in the background (about 40 s after the server starts); a map asked for now waits for it."
)


def show_maps_status() -> None:
    """Whether this server has compiled UMAP yet; as of this script run (it updates on the next interaction)."""
    if maps.warmed_up.is_set():
        st.caption(":material/check_circle: Maps ready")
    else:
        st.caption(f":material/hourglass_top: {MAPS_COMPILING}")


def corpus_options() -> dict[str, str]:
    """Stored corpora as id -> label for a selectbox, newest first."""
    return {record.id: record.label for record in corpus.list_corpora()}


def active_corpus_id(options: dict[str, str]) -> str | None:
    """The corpus the user last worked with, if it still exists; else the corpus of the newest run (so a page
    opens on a run and its own corpus); else the newest corpus."""
    chosen = st.session_state.get(ACTIVE_CORPUS)
    if chosen in options:
        return chosen
    return spaces.newest_trained_corpus(list(options)) or next(iter(options), None)


def follow_corpus(key: str, corpus_id: str, default: object, *, chosen: bool) -> None:
    """Give the space widget ``key`` the spaces that go with ``corpus_id`` (``default``: its own runs) unless the
    person or a link chose them: when ``chosen`` is False (nothing valid there yet), and when the corpus changed
    while the widget still held the default of the previous one. Call before the widget is drawn."""
    auto_key = f"_default_{key}"
    last = st.session_state.get(auto_key)  # (corpus, default) this function last set
    moved_on = last is not None and last[0] != corpus_id and st.session_state.get(key) == last[1]
    if not chosen or moved_on:
        st.session_state[key] = default
        st.session_state[auto_key] = (corpus_id, default)


def show_corpus_mismatches(specs: list[str], corpus_id: str) -> None:
    """A warning per chosen run trained on another corpus than ``corpus_id`` ("trained on X, judged on Y")."""
    for note in spaces.mismatch_notes(specs, corpus_id):
        st.warning(plain_markdown(note), icon=":material/swap_horiz:")


def show_language_note(specs: list[str], corpus_id: str) -> None:
    """The note that the baseline, an English model, reads a corpus mostly in another language
    (``spaces.baseline_language_note``), when ``specs`` hold the baseline and the corpus is mostly not English."""
    if note := spaces.baseline_language_note(load_corpus(corpus_id), specs):
        st.info(plain_markdown(note), icon=":material/translate:")


def corpus_selectbox(label: str, options: dict[str, str], key: str, container=st) -> str:
    """A corpus picker that opens on the active corpus and makes the pick the active one for every page."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = active_corpus_id(options)
    chosen = container.selectbox(label, list(options), format_func=options.get, key=key)
    st.session_state[ACTIVE_CORPUS] = chosen
    return chosen


def encode_with_progress(spec: str, corpus_id: str, texts: list[str], what: str) -> None:
    """Before a cached evaluation of a sentence-transformer space: encode its texts with a progress bar (the
    encodings land in the disk cache the evaluation then reads). Static spaces need nothing."""
    space = load_space(spec, corpus_id)
    done_here = st.session_state.setdefault(_ENCODED, set())
    key = (spec, corpus_id, hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest())
    if space.encoder is None or key in done_here:  # later reruns read the disk cache with no bar flashing by
        return
    bar = st.progress(0.0, text=f"Encoding {len(texts):,} {what} with {spec}…")
    space.encoder(
        texts, lambda done: bar.progress(done, text=f"Encoding {len(texts):,} {what} with {spec}: {done:.0%}")
    )
    bar.empty()
    done_here.add(key)


_ENCODED = "_encoded_texts"  # session key: (spec, corpus, texts digest) already encoded with a progress bar


def show_error(error: Exception) -> None:
    """Our errors carry a message for people; show it, never a traceback."""
    st.error(plain_markdown(str(error)), icon=":material/error:")


def run_page(page: StreamlitPage) -> None:
    """Run the chosen page; an unexpected error (a bug of ours, not the user's mistake) becomes a short message
    naming what failed and where the traceback is, instead of Streamlit's traceback panel. The traceback goes to
    the server's log (the terminal running ``streamlit run``); the rest of the app stays usable.

    ``st.stop`` and ``st.rerun`` raise ``BaseException`` subclasses of Streamlit's, which pass through untouched.
    """
    try:
        page.run()
    except Exception as error:
        title = getattr(page, "title", "this page")
        _LOG.exception("EmbedLab: unexpected error on the %s page", title)
        st.error(
            plain_markdown(
                f"Something went wrong on the {title} page: {type(error).__name__}: {error}. This is a bug in "
                "EmbedLab, not something you did. The full traceback is in the server's log (the terminal running "
                "streamlit run app.py); your corpora and runs are untouched, and the other pages still work."
            ),
            icon=":material/bug_report:",
        )


_LOG = logging.getLogger("embedlab")


RAY_ADDRESS_KEY = "train_ray_address"
_RAY_ADDRESS_SETTING = "ray_address_setting"  # not a widget key: it outlives the Train page's text box


def ray_address() -> str | None:
    """The Ray cluster this session's jobs and zip ingests go to: the Train page's setting, else
    ``$EMBEDLAB_RAY_ADDRESS``; None for this machine."""
    setting = st.session_state.get(_RAY_ADDRESS_SETTING)
    if setting is None:
        return cluster.configured_address()
    return cluster.configured_address(setting) if setting.strip() else None


def where_jobs_run() -> str | None:
    """The Train page's "Where jobs run" panel: the Ray cluster's address (``$EMBEDLAB_RAY_ADDRESS`` by default; empty
    for this machine) and, for a cluster, its alive nodes with their free and total CPUs and GPUs, or why it
    cannot be reached. Returns the cluster's address, or None for this machine."""
    default = st.session_state.get(_RAY_ADDRESS_SETTING, os.environ.get(cluster.ADDRESS_VARIABLE, ""))
    with st.expander("Where jobs run", expanded=bool(default)):
        typed = st.text_input(
            "Ray cluster address",
            value=default,
            key=RAY_ADDRESS_KEY,
            placeholder="empty: this machine; or the cluster's dashboard, http://HEAD:8265",
            help="Jobs go to this Ray cluster as Ray Jobs, one node each (the one with the most free cores; a GPU "
            "node for fine-tuning when there is one). The cluster needs EmbedLab installed and this data folder "
            f"({config.home()}) at the same path on every node; with token authentication, start the app with "
            "RAY_AUTH_MODE=token and RAY_AUTH_TOKEN_PATH. A .zip corpus is then read there too, in parallel.",
        )
        st.session_state[_RAY_ADDRESS_SETTING] = typed
        address = ray_address()
        if address is None:
            st.caption(f"Jobs run on this machine ({os.cpu_count()} cores).")
            return None
        try:
            nodes = cluster.nodes(address)
        except EmbedLabError as error:
            show_error(error)
            return address
        free_cpus, cpus = sum(n.free_cpus for n in nodes), sum(n.cpus for n in nodes)
        free_gpus, gpus = sum(n.free_gpus for n in nodes), sum(n.gpus for n in nodes)
        st.caption(
            f"Jobs run on the Ray cluster at {address}: {len(nodes)} node{'s' if len(nodes) != 1 else ''}, "
            f"{free_cpus:g} of {cpus:g} CPUs and {free_gpus:g} of {gpus:g} GPUs free (EmbedLab's jobs counted)."
        )
        st.dataframe(
            [
                {"node": n.label, "CPUs free": n.free_cpus, "CPUs": n.cpus, "GPUs free": n.free_gpus, "GPUs": n.gpus}
                for n in nodes
            ],
            hide_index=True,
            key="train_cluster_nodes",
        )
        return address


def input_arguments(bound: Bound, value: int | float) -> dict[str, Any]:
    """The keyword arguments of ``st.number_input`` or ``st.slider`` that ``bound`` declares: label, min_value,
    max_value, step and help, with ``value`` as the starting value."""
    return {
        "label": bound.label,
        "min_value": bound.low,
        "max_value": bound.high,
        "value": value,
        "step": bound.step,
        "help": bound.help,
    }


def config_input_arguments(config: type[TrainConfig | FinetuneConfig], name: str) -> dict[str, Any]:
    """:func:`input_arguments` for the setting ``name`` of ``config``: its ``LIMITS`` bound, and its field's default
    as the starting value (``config_input_arguments(TrainConfig, "dim")["max_value"]`` is 2000).

    Raises:
        KeyError: ``config`` declares no bound for ``name``.
    """
    return input_arguments(config.LIMITS[name], field_default(config, name))


def config_number_input(
    container: Any, config: type[TrainConfig | FinetuneConfig], name: str, *, key: str, **options: Any
) -> Any:
    """``container.number_input`` for the setting ``name`` of ``config``, bounded and started as the config declares;
    ``options`` (format, disabled, a help of the page's own...) go to Streamlit as they are."""
    return container.number_input(**{**config_input_arguments(config, name), **options}, key=key)


def config_slider(
    container: Any, config: type[TrainConfig | FinetuneConfig], name: str, *, key: str, **options: Any
) -> Any:
    """``container.slider`` for the setting ``name`` of ``config``, as :func:`config_number_input` draws a number."""
    return container.slider(**{**config_input_arguments(config, name), **options}, key=key)
