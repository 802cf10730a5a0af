"""Evaluate page: benchmarks (word similarity, analogies, your word pairs, held-out retrieval), bias (WEAT and
debiased copies), dimensions (PCA sweep) and the corpus's own labels as a task, spaces side by side."""

import dataclasses
import math

import pandas as pd
import streamlit as st

from embedlab import evaluation, formatting, spaces, ui
from embedlab.analysis.views import EvaluateView
from embedlab.errors import EmbedLabError
from embedlab.metrics import TIE_RULE
from embedlab.present import figures
from embedlab.present.text import plain_markdown
from embedlab.ui.health import show_space_health

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
weat_choices = [*evaluation.WEAT_SETS, evaluation.OWN_LISTS]
for problem in ui.evaluation_from_url(choices, list(corpora), weat_choices):
    st.warning(plain_markdown(problem), icon=":material/link_off:")
corpus_id = ui.corpus_selectbox("Corpus (counts, and the baseline's vocabulary)", corpora, key="eval_corpus")
corpus = ui.load_corpus(corpus_id)
# the newest run trained on this corpus and the baseline: never a run of another corpus unless picked
ui.follow_corpus(
    "eval_spaces",
    corpus_id,
    list(dict.fromkeys([spaces.default_comparison(choices, corpus_id), spaces.BASELINE])),
    chosen="eval_spaces" in st.session_state,
)
space_labels = spaces.space_labels(choices, judged_on=corpus_id)
chosen = st.multiselect("Spaces", choices, key="eval_spaces", format_func=space_labels.get)
ui.show_corpus_mismatches(chosen, corpus_id)
ui.show_language_note(chosen, corpus_id)
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
for spec in chosen:
    show_space_health(spec, corpus_id, space_labels[spec])

# The one evaluation flow (evaluation.evaluate_spaces), its sections served from the app's caches
# (ui.EvaluationSections): the numbers the CLI, the report and the verdict give. It writes nothing: results are kept
# with the runs below, explicitly (evaluation.save_results skips unchanged sections).
for spec in chosen:
    try:
        ui.load_space(spec, corpus_id)
    except EmbedLabError as error:  # e.g. a debiased copy of a space that lacks the definitional words
        ui.show_error(error)
        chosen = [name for name in chosen if name != spec]
if not chosen:
    st.stop()
labels = {spec: space_labels[spec] for spec in chosen}
options = evaluation.EvaluationOptions(
    user_pairs=user_pairs, user_pairs_name=upload.name if upload else evaluation.USER_PAIRS_NAME
)
try:
    result = ui.wait_with_progress("Evaluating…", lambda report: ui.evaluate(corpus_id, chosen, options, report))
except EmbedLabError as error:
    ui.show_error(error)
    st.stop()
held_out = result.held_out
scored = {found.space: found for found in result.spaces}
st.subheader("Benchmarks")
st.caption(
    "One row per measure, one column per space; every measure here is better when higher, and the better value "
    "of each row is in bold and named under “better” (equal at three decimals: a tie). Spearman ρ: rank "
    "correlation of the space's cosine similarities with human judgements; analogy accuracy: a : b :: c : ? "
    "answered right by 3CosAdd; held-out retrieval: each anchor sentence ranks every held-out positive by cosine, "
    f"MRR@10 and recall@10 of its own ({TIE_RULE}). Coverage: the share of pairs or questions the space could "
    "score."
)
if len(chosen) > 1:
    st.caption(
        f"Is a difference more than chance? Each space is compared with {plain_markdown(labels[result.reference])} "
        "(the baseline when chosen, else the first space) on the items both score: the pairs both score, the "
        "questions both answer, every held-out query, every document. “difference (95% CI), p” is the space minus "
        "it with a 95% interval, the raw p-value and the p-value adjusted by Holm's method over every comparison in "
        "this table, so that the chance of any false “better” in it stays at most 5%. A run trained with several "
        "seeds is scored seed by seed and tested over seeds and items (a t test, Welch–Satterthwaite), so its "
        "“better” is about its settings; a run trained with one seed (and any fine-tune) is tested on the items "
        "only (paired bootstrap for ρ and MRR, McNemar's exact test for accuracies and recall), which says these "
        "files differ but cannot tell its settings from seed noise: its “better” says “these files only”. Only a "
        "significant winner is in bold. Coverage rows name the higher."
    )
    st.caption(plain_markdown(evaluation.variance_note(result.differences, labels)))
st.dataframe(evaluation.comparison_styler(result.comparison(labels)), hide_index=True, key="eval_table")
st.caption(
    "MiniLM spaces encode any word, so they are scored on each benchmark's own words; Word2Vec and FastText runs "
    "(and vectors files) only know their vocabulary and are scored on the pairs it covers, so their ρ may come "
    f"from far fewer pairs. Held-out pairs: {held_out.note}"
)
st.markdown("**Which words each space was scored on**")
st.dataframe(result.vocabularies(labels), hide_index=True, key="eval_vocabulary")
for spec, found in scored.items():
    notes = [f"{r.name}: {r.note}" for r in found.similarities if r.note]
    for note in notes + ([found.analogy.note] if found.analogy.note else []):
        st.warning(f"{labels[spec]} — {note}", icon=":material/info:")
with st.expander("Analogy accuracy by section"):
    for column, (spec, found) in zip(st.columns(len(scored)), scored.items()):
        column.markdown(f"**{plain_markdown(labels[spec])}**")
        column.dataframe(
            found.analogy.sections.style.format({"accuracy": "{:.3f}"}), hide_index=True, key=f"eval_sections_{spec}"
        )
with st.expander("Every number, one row per space and benchmark"):
    st.dataframe(
        result.table.assign(space=result.table["space"].map(labels)).style.format(  # readable labels, never a run id
            {"score": "{:.3f}", "pearson": "{:.3f}", "oov_share": "{:.1%}"}
        ),
        hide_index=True,
        key="eval_table_long",
    )

st.subheader("Bias: the Word Embedding Association Test (WEAT)")
st.caption(
    "Do target words X (vs Y) sit closer to attribute words A (vs B)? Effect size d is Cohen's d (|d| ≥ 0.8 is "
    "large); p is the one-sided permutation test of “X is more associated with A than Y is” (Caliskan et al. "
    "2017; 10,000 splits, seeded). A negative d comes with a p near 1: the association runs the other way, which "
    "is not “no bias”. The 95% interval of d resamples the target words X and Y (percentile bootstrap, 2,000 "
    f"resamples, seeded; A and B fixed): none with fewer than {evaluation.WEAT_INTERVAL_MIN_WORDS} words in X or Y, "
    "and with few words it is too narrow. MiniLM spaces encode every word of the lists; runs test the words "
    "they hold."
)
WEAT_KEY, OWN = "eval_weat_set", evaluation.OWN_LISTS
OWN_MIRROR, AUTO = "_eval_weat_own_lists", "_eval_weat_auto"  # own lists outlive their text areas; the last default
weat_coverage = {spec: evaluation.weat_coverage(ui.load_space(spec, corpus_id)) for spec in chosen}
default_set, unsuited = evaluation.default_weat_set(weat_coverage)
if st.session_state.get(WEAT_KEY) in (None, st.session_state.get(AUTO)):  # never chosen by hand, nor by a link
    st.session_state[WEAT_KEY] = default_set
st.session_state[AUTO] = default_set
if unsuited:
    st.info(
        "None of the shipped word sets has enough words in "
        + "; ".join(plain_markdown(labels[spec]) for spec in unsuited)
        + f" (each list needs at least {evaluation.WEAT_MIN_WORDS} words the space holds): its WEAT below says "
        "nothing. Write your own lists, with words of your corpus, to test it.",
        icon=":material/info:",
    )
if OWN_MIRROR not in st.session_state:  # reopened: the own lists last kept with a chosen run, if any
    own_kept = [
        found["lists"]
        for spec in chosen
        for name, found in evaluation.kept_weat(spec).items()
        if name.startswith(evaluation.OWN_NAME_PREFIX) and "lists" in found
    ]
    if own_kept:
        st.session_state[OWN_MIRROR] = {key: " ".join(own_kept[-1][key]) for key in evaluation.WEAT_LISTS}


def _preset_edited(preset: str) -> None:
    """Edited lists are no longer the preset's: they become the person's own, and the preset stays as shipped."""
    texts = {key: st.session_state.get(f"eval_weat_{preset}_{key}", "") for key in evaluation.WEAT_LISTS}
    if all(_words(texts[key]) == evaluation.WEAT_SETS[preset][key] for key in texts):
        return
    st.session_state[OWN_MIRROR] = texts
    for key in evaluation.WEAT_LISTS:
        st.session_state[f"eval_weat_own_{key}"] = texts[key]
        st.session_state[f"eval_weat_{preset}_{key}"] = " ".join(evaluation.WEAT_SETS[preset][key])
    st.session_state[WEAT_KEY] = OWN


def _words(text: str) -> list[str]:
    return list(dict.fromkeys(text.lower().split()))


chosen_set = st.selectbox(
    "Word sets (edit any list to write your own)",
    weat_choices,
    key=WEAT_KEY,
    format_func=lambda name: name + (" (the best covered here)" if name == default_set else ""),
)
ui.evaluation_to_url(EvaluateView(corpus_id, tuple(chosen), chosen_set))
cells = st.columns(4)
sets = {}
for cell, (key, label) in zip(
    cells, (("X", "Targets X"), ("Y", "Targets Y"), ("A", "Attributes A"), ("B", "Attributes B"))
):
    if chosen_set == OWN:
        widget = f"eval_weat_own_{key}"
        st.session_state.setdefault(widget, st.session_state.get(OWN_MIRROR, {}).get(key, ""))
        text = cell.text_area(label, key=widget, height=140)
    else:
        widget = f"eval_weat_{chosen_set}_{key}"
        st.session_state.setdefault(widget, " ".join(evaluation.WEAT_SETS[chosen_set][key]))
        text = cell.text_area(label, key=widget, height=140, on_change=_preset_edited, args=(chosen_set,))
    sets[key] = _words(text)
if chosen_set == OWN:
    st.session_state[OWN_MIRROR] = {key: " ".join(words) for key, words in sets.items()}
test_name = chosen_set if chosen_set != OWN else evaluation.own_weat_name(sets)
weat_rows, readings = [], []
try:  # the flow again with the test: every other section comes from the cache
    tests = ui.wait_with_progress(
        "Testing for bias…",
        lambda report: ui.evaluate(
            corpus_id, chosen, dataclasses.replace(options, weat_sets={test_name: sets}), report
        ),
    )
except EmbedLabError as error:
    ui.show_error(error)
    st.stop()
for spec in chosen:
    tested = tests[spec].weat[test_name]
    if chosen_set != OWN or not math.isnan(tested.effect_size):  # own lists are kept too, once they give a number
        scored[spec] = dataclasses.replace(scored[spec], weat={test_name: tested})
    weat_rows.append(
        {
            "space": labels[spec],
            "effect size d": tested.effect_size,
            "95% interval": formatting.interval(tested.ci_low, tested.ci_high),
            "p (X more with A, one-sided)": tested.p_value,
            "p (the other way)": tested.p_value_other_way,
            **{f"{key} used": count for key, count in tested.used.items()},
            "missing words": "; ".join(f"{key}: {', '.join(words)}" for key, words in tested.missing.items() if words)
            or "none",
            "words from": tested.vocabulary,
        }
    )
    readings.append(f"**{plain_markdown(labels[spec])}**: {plain_markdown(evaluation.weat_reading(tested))}")
    if tested.note:
        st.warning(f"{labels[spec]}: {tested.note}", icon=":material/info:")
st.markdown(f"**{plain_markdown(test_name)}**")
st.dataframe(
    pd.DataFrame(weat_rows).style.format(
        {"effect size d": "{:.3f}", "p (X more with A, one-sided)": "{:.4f}", "p (the other way)": "{:.4f}"},
        na_rep="—",
    ),
    hide_index=True,
    key="eval_weat",
)
for reading in readings:
    st.markdown(reading)
# Runs keep their benchmarks, task, retrieval and WEAT results; each test joins the tests kept before, the person's
# own lists under their own name. Unchanged results are not rewritten, so reruns write nothing.
evaluation.save_results(evaluation.Evaluation(tuple(scored.values()), held_out), merge_weat=True)
kept_rows = [
    {
        "space": labels[spec],
        "test": name,
        "effect size d": found.get("effect_size"),
        "95% interval": formatting.interval(found.get("ci_low"), found.get("ci_high")),
        "p-value (one-sided)": found.get("p_value"),
        "words used X/Y/A/B": "/".join(str(found.get("used", {}).get(key, "?")) for key in evaluation.WEAT_LISTS),
    }
    for spec in chosen
    for name, found in evaluation.kept_weat(spec).items()
]
if kept_rows:
    st.markdown("**WEAT tests kept with the runs** (every set and list tested on them so far)")
    st.dataframe(
        pd.DataFrame(kept_rows).style.format({"effect size d": "{:.3f}", "p-value (one-sided)": "{:.4f}"}, na_rep="—"),
        hide_index=True,
        key="eval_weat_kept",
    )


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
    try:  # the flow with the sweep for this space: its other sections, and the full size, come from the cache
        sweep = ui.wait_with_progress(
            f"Reducing {labels[swept]} with PCA and scoring each size…",
            lambda report: ui.evaluate(
                corpus_id, [swept], dataclasses.replace(options, sweep=True), report, held_out_for=chosen
            ),
        )[swept].sweep
    except EmbedLabError as error:
        ui.show_error(error)
        st.stop()
    st.session_state["eval_sweep_done"] = (swept, corpus_id)
    st.plotly_chart(figures.dimension_sweep(sweep), key="eval_sweep_chart")
    st.dataframe(sweep.style.format(precision=3), hide_index=True, key="eval_sweep_table")

st.subheader("Your task: classify the documents by their label")
if not corpus.labels and corpus.label_guess:  # read without the column that looks like its label: say which
    st.info(plain_markdown(f"No task to score: {evaluation.task_problem(corpus)}."), icon=":material/label_off:")
    st.stop()
if not corpus.labels:
    st.info(
        "This corpus has no label column. Add it again on the Corpus page with a label column to see how well "
        "each space's document vectors predict the labels (logistic regression, stratified 5-fold)."
    )
    st.stop()
if problem := evaluation.task_problem(corpus, fine_tunes=evaluation.label_fine_tunes(chosen)):
    st.info(plain_markdown(f"No task to score: {problem}."), icon=":material/label_off:")
    st.stop()
task_rows, tasks = [], {}
for spec in chosen:
    task = scored[spec].task  # the flow scored it above, and the runs keep it (save_results)
    if task is None:  # not with labels, which the corpus has (checked above)
        continue
    tasks[spec] = task
    task_rows.append(
        {
            "space": labels[spec],
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
        st.caption(plain_markdown(f"{labels[spec]}: {task.note}"))
st.dataframe(pd.DataFrame(task_rows).style.format(precision=3), hide_index=True, key="eval_task")
differences = result.differences
for row in differences[differences["benchmark"] == evaluation.TASK].itertuples(index=False):
    st.caption(plain_markdown(evaluation.difference_sentence(row._asdict(), labels, "Accuracy")))
st.caption(
    "Logistic regression on each document's vector: a sentence-transformer space's own embedding of the "
    "document (its first 256 word pieces), or the mean of the space's word vectors; accuracy and macro-F1 "
    "are means over the folds, ± their standard deviation (seeded, so a rerun gives the same numbers). "
    "Results for runs are kept with the run and shown on the Runs page."
)
