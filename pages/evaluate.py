"""Evaluate page: benchmarks (word similarity, analogies, your word pairs, held-out retrieval), bias (WEAT and
debiased copies), dimensions (PCA sweep) and the corpus's own labels as a task, spaces side by side."""

import dataclasses

import pandas as pd
import streamlit as st

from embedlab import evaluation, spaces, ui
from embedlab.errors import EmbedLabError
from embedlab.present import figures
from embedlab.present.text import plain_markdown

ui.ensure_router()
st.title("Evaluate")
st.write(
    "Different neighbours are not proof that a space is better. These benchmarks score every selected space "
    "the same way, with gensim's own data (WordSim-353, SimLex-999, Google analogies) and, if you have them, "
    "your domain experts' word pairs. Words a space lacks are counted, never silently dropped."
)
corpora = ui.corpus_options()
if not corpora:
    st.info("No corpus yet: add one on the Corpus page first.")
    st.stop()
choices = [spec for spec in spaces.space_choices() if not spaces.SpaceSpec.parse(spec).context]
default = list(dict.fromkeys([spaces.default_comparison(choices), spaces.BASELINE]))
for problem in ui.evaluation_from_url(choices, list(corpora), list(evaluation.WEAT_SETS), default):
    st.warning(plain_markdown(problem), icon=":material/link_off:")
corpus_id = ui.corpus_selectbox("Corpus (counts, and the baseline's vocabulary)", corpora, key="eval_corpus")
corpus = ui.load_corpus(corpus_id)
space_labels = spaces.space_labels(choices)
chosen = st.multiselect("Spaces", choices, key="eval_spaces", format_func=space_labels.get)
upload = st.file_uploader(
    "Your word pairs (optional CSV: word1,word2,score)", type=["csv", "tsv", "txt"], key="eval_pairs"
)
user_pairs: tuple = ()
if upload is not None:
    try:
        user_pairs = tuple(evaluation.user_word_pairs(upload.name, upload.getvalue()))
    except EmbedLabError as error:
        ui.show_error(error)
if not chosen:
    st.info("Choose at least one space.")
    st.stop()

# Each section comes from a cached wrapper of the evaluation flow (evaluation.run), one space at a time, and is
# assembled into evaluation.SpaceEvaluation objects as the CLI and the report get them; the wrappers write
# nothing: results are kept with the runs below, explicitly (evaluation.save_results skips unchanged sections).
intrinsics = {}
for spec in chosen:
    try:
        with st.spinner(f"Scoring {spec} on the benchmarks…"):
            intrinsics[spec] = ui.intrinsic(
                spec, corpus_id, user_pairs, upload.name if upload else evaluation.USER_PAIRS_NAME
            )
    except EmbedLabError as error:  # e.g. a debiased copy of a space that lacks the definitional words
        ui.show_error(error)
chosen = list(intrinsics)  # the rest of the page scores the spaces that loaded
if not chosen:
    st.stop()
tuned_run = evaluation.held_out_run(chosen)
held_out = ui.held_out_pairs(corpus_id, tuned_run)
retrievals = {}
for spec in chosen if held_out.pairs else ():
    ui.encode_with_progress(spec, corpus_id, evaluation.pair_texts(held_out.pairs), "held-out sentences")
    with st.spinner(f"Retrieving held-out pairs with {spec}…"):
        retrievals[spec] = ui.retrieval(spec, corpus_id, tuned_run)
scored = {
    spec: evaluation.SpaceEvaluation(
        spec, corpus_id, *intrinsics[spec], retrieval=retrievals.get(spec), retrieval_note=held_out.note
    )
    for spec in chosen
}
table = evaluation.Evaluation(tuple(scored.values()), held_out).table
st.subheader("Benchmarks")
st.caption(
    "score: Spearman correlation with human judgements (similarity), accuracy (analogies, 3CosAdd), or "
    "held-out retrieval: each anchor sentence ranks every held-out positive by cosine (sentence embeddings "
    "for sentence-transformer spaces, mean word vectors for the others), MRR@10 and recall@10 of its own. "
    "oov_share: share of pairs or questions the space could not answer because a word is missing."
)
st.caption(f"Held-out pairs: {held_out.note}")
st.dataframe(
    table.style.format({"score": "{:.3f}", "pearson": "{:.3f}", "oov_share": "{:.1%}"}),
    hide_index=True,
    key="eval_table",
)
for spec, found in scored.items():
    notes = [f"{r.name}: {r.note}" for r in found.similarities if r.note]
    for note in notes + ([found.analogy.note] if found.analogy.note else []):
        st.warning(f"{spec} — {note}", icon=":material/info:")
with st.expander("Analogy accuracy by section"):
    for column, (spec, found) in zip(st.columns(len(scored)), scored.items()):
        column.markdown(f"**{spec}**")
        column.dataframe(
            found.analogy.sections.style.format({"accuracy": "{:.3f}"}), hide_index=True, key=f"eval_sections_{spec}"
        )

st.subheader("Bias: the Word Embedding Association Test (WEAT)")
st.caption(
    "Do target words X (vs Y) sit closer to attribute words A (vs B)? Effect size is Cohen's d (|d| > 0.8 "
    "is large); p is a one-sided permutation test (10,000 splits, seeded). Edit the lists freely."
)
preset = st.selectbox("Word sets", list(evaluation.WEAT_SETS), key="eval_weat_set")
ui.evaluation_to_url(corpus_id, chosen, preset)
cells = st.columns(4)
sets = {}
for cell, (name, label) in zip(
    cells, (("X", "Targets X"), ("Y", "Targets Y"), ("A", "Attributes A"), ("B", "Attributes B"))
):
    text = cell.text_area(
        label, " ".join(evaluation.WEAT_SETS[preset][name]), key=f"eval_weat_{preset}_{name}", height=140
    )
    sets[name] = list(dict.fromkeys(text.lower().split()))
unedited = all(words == evaluation.WEAT_SETS[preset][name] for name, words in sets.items())
weat_rows = []
for spec in chosen:
    result = ui.weat(spec, corpus_id, preset, tuple((name, tuple(words)) for name, words in sets.items()))
    if unedited:  # a run keeps the shipped sets' results, by name; an edited test is shown, not kept
        scored[spec] = dataclasses.replace(scored[spec], weat={preset: result})
    weat_rows.append(
        {
            "space": spec,
            "effect size d": result.effect_size,
            "p-value": result.p_value,
            **{f"{name} used": count for name, count in result.used.items()},
            "missing words": "; ".join(f"{name}: {', '.join(words)}" for name, words in result.missing.items() if words)
            or "none",
        }
    )
    if result.note:
        st.warning(f"{spec}: {result.note}", icon=":material/info:")
st.dataframe(
    pd.DataFrame(weat_rows).style.format({"effect size d": "{:.3f}", "p-value": "{:.4f}"}),
    hide_index=True,
    key="eval_weat",
)
# Runs keep their benchmarks, retrieval and WEAT results (the task's follow below); one set's WEAT result joins the
# sets kept before. Unchanged results are not rewritten, so reruns write nothing.
evaluation.save_results(evaluation.Evaluation(tuple(scored.values()), held_out), merge_weat=True)


def _add_debiased(specs: list[str]) -> None:
    wanted = spaces.debiased_copies(specs)
    st.session_state["eval_spaces"] = list(dict.fromkeys(specs + [s for s in wanted if s in choices]))


st.markdown(
    f"**Debiased copies.** `SPACE{spaces.DEBIAS_SUFFIX}` is the space with the gender direction projected "
    "out of every vector (the first principal component of Bolukbasi et al.'s definitional pairs: "
    f"{', '.join(f'{a}–{b}' for a, b in spaces.GENDER_PAIRS)}). It is a space like any other: score it "
    "here, compare it on the Compare page, share it by link."
)
st.button(
    "Add debiased copies of the chosen spaces",
    key="eval_add_debiased",
    on_click=_add_debiased,
    args=(chosen,),
    icon=":material/balance:",
)

st.subheader("Dimensions: how much quality each size keeps")
left, right = st.columns([3, 1])
swept = left.selectbox(
    "Space to reduce with PCA (16 to 256 dimensions)", chosen, key="eval_sweep_space", format_func=space_labels.get
)
if right.button("Run the sweep", key="eval_sweep_run") or st.session_state.get("eval_sweep_done") == (swept, corpus_id):
    if corpus.labels:
        ui.encode_with_progress(swept, corpus_id, ui.document_texts(corpus_id), "documents")
    dims = evaluation.sweep_dims(ui.load_space(swept, corpus_id))
    bar = st.progress(0.0, text=f"Reducing {swept} to {dims[0]} dimensions and scoring it…")
    rows = []
    for done, dim in enumerate(dims):
        bar.progress(done / len(dims), text=f"Reducing {swept} to {dim} dimensions and scoring it…")
        rows.append(ui.sweep_row(swept, corpus_id, dim))
    bar.empty()
    sweep = pd.DataFrame(rows)
    st.session_state["eval_sweep_done"] = (swept, corpus_id)
    st.plotly_chart(figures.dimension_sweep(sweep), key="eval_sweep_chart")
    st.dataframe(sweep.style.format(precision=3), hide_index=True, key="eval_sweep_table")

st.subheader("Your task: classify the documents by their label")
if not corpus.labels:
    st.info(
        "This corpus has no label column. Add it again on the Corpus page with a label column to see how well "
        "each space's document vectors predict the labels (logistic regression, stratified 5-fold)."
    )
    st.stop()
task_rows = []
for spec in chosen:
    try:
        ui.encode_with_progress(spec, corpus_id, ui.document_texts(corpus_id), "documents")
        with st.spinner(f"Cross-validating a classifier on {spec}…"):
            task = ui.task_evaluation(spec, corpus_id)
    except EmbedLabError as error:
        ui.show_error(error)
        st.stop()
    if task is None:  # not with labels, which the corpus has (checked above)
        continue
    evaluation.save_results(dataclasses.replace(scored[spec], task=task), merge_weat=True)
    task_rows.append(
        {
            "space": spec,
            "features": task.features,
            "accuracy": task.accuracy,
            "± (folds)": task.accuracy_std,
            "macro-F1": task.macro_f1,
            "± (folds) ": task.macro_f1_std,
            "documents": task.documents,
            "labels": task.labels,
            "folds": task.folds,
            "documents without a known word": task.empty_documents,
        }
    )
    if task.note:
        st.caption(f"{spec}: {task.note}")
st.dataframe(pd.DataFrame(task_rows).style.format(precision=3), hide_index=True, key="eval_task")
st.caption(
    "Logistic regression on each document's vector: a sentence-transformer space's own embedding of the "
    "document (its first 256 word pieces), or the mean of the space's word vectors; accuracy and macro-F1 "
    "are means over the folds, ± their standard deviation (seeded, so a rerun gives the same numbers). "
    "Results for runs are kept with the run and shown on the Runs page."
)
