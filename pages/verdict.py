"""Verdict page: would the custom spaces beat the pretrained baseline on this corpus, for which use, and which of the
nine reasons to customise the corpus bears out; with the view in the URL and the recommended space to download."""

import streamlit as st

from embedlab import spaces, store, training, ui, verdict
from embedlab.analysis import views
from embedlab.errors import EmbedLabError
from embedlab.present import verdict_view
from embedlab.present.text import plain_markdown
from embedlab.ui.health import show_space_health

HEADLINE_MARKS = {  # a glance at which way each use went
    "candidate": ":green[:material/check_circle:]",
    "baseline": ":blue[:material/verified:]",
    "open": ":gray[:material/help:]",
}
DEFAULT_CANDIDATES = 3  # the verdict's time grows with each candidate: the newest three of the corpus's runs
_DOWNLOADS = (
    (spaces.ExportFormat.WORD2VEC, "word2vec text", ":material/description:"),
    (spaces.ExportFormat.WORD2VEC_BINARY, "word2vec binary", ":material/memory:"),
    (spaces.ExportFormat.PROJECTOR, "Embedding Projector (zip)", ":material/scatter_plot:"),
)

ui.ensure_router()
st.title("Verdict")
st.write(
    "Would custom embeddings beat the pretrained ones on this corpus? One answer per use, with the size of the "
    "difference and its 95% interval, then the evidence for each of the nine reasons teams customise embeddings. "
    "Every number is the one the Evaluate and Compare pages show for the same spaces."
)
corpora = ui.corpus_options()
# read in context is a Compare view of a sentence model, which the Evaluate page does not score either
choices = [spec for spec in spaces.space_choices() if not spaces.SpaceSpec.parse(spec).context]
for problem in ui.verdict_from_url(choices, list(corpora)):
    st.warning(plain_markdown(problem), icon=":material/link_off:")  # it quotes the link's own text
if not corpora:
    st.info("No corpus yet: add one on the Corpus page, train a run on it, and the verdict says whether it wins.")
    st.stop()

keys = ui.VERDICT_KEYS
if st.session_state.get(keys["baseline"]) not in choices:
    st.session_state[keys["baseline"]] = spaces.BASELINE
left, right = st.columns([1, 1])
corpus_id = ui.corpus_selectbox("Corpus", corpora, key=keys["corpus"], container=left)
labels = spaces.space_labels(choices, judged_on=corpus_id)
# the runs trained on this corpus (Word2Vec/FastText first: cheaper), never those of another corpus unless picked
ui.follow_corpus(
    keys["spaces"],
    corpus_id,
    spaces.runs_trained_on(corpus_id, choices, DEFAULT_CANDIDATES),
    chosen=keys["spaces"] in st.session_state,
)
baseline = right.selectbox(
    "Baseline",
    choices,
    key=keys["baseline"],
    format_func=labels.get,
    help="The pretrained space the others are measured against",
)
options = [spec for spec in choices if spec != baseline]
st.session_state[keys["spaces"]] = [spec for spec in st.session_state[keys["spaces"]] if spec in options]
candidates = st.multiselect(
    "Candidates",
    options,
    key=keys["spaces"],
    format_func=labels.get,
    help="Your runs, fine-tunes, vectors files and debiased copies: each is set against the baseline",
)
link = ui.verdict_to_url(views.VerdictView(corpus_id, tuple(candidates), baseline))
with st.expander("Copy link to this verdict", icon=":material/link:"):
    st.caption("Opening this link on this server reopens this verdict.")
    st.code(link, language=None)
if not candidates:
    if not spaces.runs_trained_on(corpus_id, choices):
        st.info(
            plain_markdown(
                f"No run trained on {ui.load_corpus(corpus_id).name} yet: train one on the Train page, then the "
                "verdict sets it against the baseline (or choose a candidate above)."
            )
        )
        st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
    else:
        st.info("Choose at least one candidate to set against the baseline.")
    st.stop()
ui.show_corpus_mismatches(candidates, corpus_id)

# A space that learned nothing says so above everything else (each is loaded here, with its own progress bar).
for spec in [*candidates, baseline]:
    show_space_health(spec, corpus_id, labels[spec])
try:
    found = ui.wait_with_progress(
        "Building the verdict…",
        lambda report: ui.build_verdict(
            corpus_id,
            tuple(candidates),
            baseline,
            lambda fraction, what: report(fraction, plain_markdown(f"Building the verdict: {what}…")),
        ),
    )
except EmbedLabError as error:
    ui.show_error(error)
    st.stop()

if found.too_small:
    st.warning(plain_markdown(found.too_small), icon=":material/data_alert:")
if found.languages is not None:
    st.caption(plain_markdown(f"Language of {found.corpus_name}: {found.languages.describe()}"))
if found.language_note:  # the baseline is an English model and the corpus mostly is not English
    st.info(plain_markdown(found.language_note), icon=":material/translate:")

st.subheader("The answer, per use")
for line in found.headlines:
    mark = HEADLINE_MARKS[verdict_view.headline_kind(line, found.baseline)]
    st.markdown(f"{mark} **{verdict_view.USE_TITLES[line.use]}** · {plain_markdown(line.sentence)}")
if found.claims_note:
    st.caption(plain_markdown(found.claims_note))

recommended = found.recommended
record = store.get_run(recommended) if spaces.SpaceSpec.parse(recommended).is_plain_run else None
st.markdown(f"**Recommended space:** {plain_markdown(found.labels[recommended])}")
for note in found.recommendation_notes:  # by default, not by evidence; the English baseline's caveat
    st.warning(plain_markdown(note), icon=":material/info:")
if record is None:
    st.caption(plain_markdown(verdict_view.no_download_reason(recommended, found.labels[recommended])))
else:
    buttons = st.container(horizontal=True)
    if record.is_finetuned:
        buttons.download_button(
            "sentence-transformer model (zip)",
            data=lambda: training.model_zip_bytes(recommended),
            file_name=f"{recommended}-model.zip",
            mime="application/zip",
            icon=":material/folder_zip:",
            on_click="ignore",
            key="verdict_download_model",
        )
    else:
        for fmt, label, icon in _DOWNLOADS:
            buttons.download_button(
                label,
                data=lambda fmt=fmt: spaces.run_export_bytes(recommended, fmt),
                file_name=spaces.export_file_name(recommended, fmt),
                mime=spaces.EXPORT_MIME[fmt],
                icon=icon,
                on_click="ignore",
                key=f"verdict_download_{fmt.value}",
            )
    st.caption("The same downloads as on the Runs page: the vectors as trained (not normalised).")

st.subheader("Nine reasons to customise, on this corpus")
for number, key in enumerate(verdict.REASONS, 1):
    reason = found.reasons[key]
    with st.container(border=True):
        if not reason.measured:
            st.markdown(f":gray[**{number}. {reason.title}** · not measured here]")
            st.caption(plain_markdown(reason.finding))
            continue
        st.markdown(f"**{number}. {reason.title}**")
        st.markdown(plain_markdown(reason.finding))
        table = verdict_view.reason_table(reason, found.labels)
        if table is not None:
            st.table(table, hide_index=True)
        if key == "task_context" and reason.numbers.get("pairs"):
            st.caption(plain_markdown(f"Held-out pairs: {reason.numbers['pairs']}"))
        examples = verdict_view.examples_table(reason, found.labels)
        if examples is None:
            continue
        st.caption("The most telling words: open one on the Compare page, its neighbours side by side")
        words = st.container(horizontal=True)
        for example in reason.examples:
            words.page_link(
                "pages/compare.py",
                label=example["word"],
                icon=":material/compare_arrows:",
                query_params=views.compare_word_query(corpus_id, example["space"], found.baseline, example["word"]),
                help=plain_markdown(
                    f"Near {', '.join(example['here'][:3])} here, {', '.join(example['general'][:3])} in general "
                    f"English: opens Compare on '{example['word']}' ({found.labels[example['space']]} against "
                    f"{found.labels[found.baseline]})"
                ),
            )
        st.table(examples, hide_index=True)
