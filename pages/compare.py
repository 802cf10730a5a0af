"""Compare page: two spaces side by side — neighbours, what changed, coverage, maps — with the view in the URL."""

import numpy as np
import pandas as pd
import streamlit as st

from embedlab import analysis, corpus, spaces, ui
from embedlab.analysis import maps, views
from embedlab.errors import EmbedLabError
from embedlab.present import figures, report
from embedlab.present.text import plain_markdown
from embedlab.ui.health import show_space_health

TAB_LABELS = {"neighbours": "Neighbours", "changed": "What changed", "coverage": "Coverage", "map": "Map"}
METRIC_LABELS = {"jaccard": "Jaccard@k", "rank_overlap": "Rank-biased overlap"}
COLOUR_LABELS = {"none": "Plain", "change": "Change score", "frequency": "Frequency (log)"}
ORIGIN_NOTES = {  # how a side got a vector for a word it does not hold
    analysis.VectorOrigin.SUBWORDS: "Built from subwords: '{word}' is not in the run",
    analysis.VectorOrigin.ENCODER: "Encoded alone: '{word}' is not among this space's words",
}
ORIGIN_HELP = {
    analysis.VectorOrigin.SUBWORDS: "FastText's vector for an unseen word: the mean of its character n-grams' "
    "vectors (those seen in training); its neighbours are searched among the words both spaces hold",
    analysis.VectorOrigin.ENCODER: "The sentence model encodes the word by itself, as it does its own words",
}

ui.ensure_router()
st.title("Compare")
corpora = ui.corpus_options()
space_choices = spaces.space_choices()
for problem in ui.view_from_url(space_choices, list(corpora)):
    st.warning(plain_markdown(problem), icon=":material/link_off:")  # it quotes the link's own text
if not corpora:
    st.info("No corpus yet: add one on the Corpus page, then train a run to compare with the baseline.")
    st.stop()

if st.session_state.cmp_b not in space_choices:
    st.session_state.cmp_b = spaces.BASELINE

left, middle, right = st.columns(3)
corpus_id = ui.corpus_selectbox("Corpus", corpora, key="cmp_corpus", container=left)
# the newest run trained on this corpus, else the baseline: never a run of another corpus unless picked
ui.follow_corpus(
    "cmp_a",
    corpus_id,
    spaces.default_comparison(space_choices, corpus_id),
    chosen=st.session_state.cmp_a in space_choices,
)
space_labels = spaces.space_labels(space_choices, judged_on=corpus_id)
a = middle.selectbox("Space A", space_choices, key="cmp_a", format_func=space_labels.get)
b = right.selectbox("Space B", space_choices, key="cmp_b", format_func=space_labels.get)
left, right = st.columns([3, 2])
hints = ui.typical_words(corpus_id)  # against the corpus's own language's general frequencies
example = f", e.g. {hints.words[0]}" if hints.words else ""
# normalised exactly as the corpus's tokens were (NFC, case, spaces): "VACUUM" or an NFD "café" finds the word
word = corpus.normalise_query(
    left.text_input("Word", key="cmp_word", placeholder=f"a word from the corpus{example}"),
    ui.load_corpus(corpus_id).options["tokenize"],
)
k = right.slider("Neighbours (k)", *views.RANGES["k"], key="cmp_k")
tab = st.radio("View", views.TABS, key="cmp_tab", horizontal=True, format_func=TAB_LABELS.get)
link_box = st.container()  # filled last, once every widget of the view has its value

ui.show_corpus_mismatches([a, b], corpus_id)
ui.show_language_note([a, b], corpus_id)
try:
    shared_a, shared_b = ui.shared_pair(a, b, corpus_id)
except EmbedLabError as error:
    ui.show_error(error)
    st.stop()
for side, spec in (("A", a), ("B", b)):
    show_space_health(spec, corpus_id, f"{side} ({space_labels[spec]})")
    if zero := ui.load_space(spec, corpus_id).zero_words:
        shown = ", ".join(zero[:12]) + (f" … and {len(zero) - 12:,} more" if len(zero) > 12 else "")
        st.info(
            plain_markdown(
                f"{side} ({space_labels[spec]}) leaves out {len(zero):,} words whose vector is all zeros: {shown}. "
                "Cosine is undefined for them, so they have no neighbours, are nobody's neighbour and get no score."
            ),
            icon=":material/info:",
        )


def duplicate_notes() -> list[str]:
    """A sentence per space whose shared words include exact duplicate vectors (an unknown-word bucket)."""
    groups_a, groups_b = ui.duplicate_groups(a, b, corpus_id)
    notes = (
        maps.duplicates_note(f"A ({space_labels[a]})", groups_a),
        maps.duplicates_note(f"B ({space_labels[b]})", groups_b),
    )
    return [note for note in notes if note]


def pick_word(key: str) -> None:
    if st.session_state[key]:  # pills give None when their choice is clicked off
        st.session_state.cmp_word = st.session_state[key]
    st.session_state.pop("cmp_hint", None)


def show_neighbours(target: str) -> None:
    """A's and B's neighbour lists of ``target`` side by side, shared neighbours marked."""
    whole_a, whole_b = ui.load_space(a, corpus_id), ui.load_space(b, corpus_id)
    queries, problems = [], []
    for space in (whole_a, whole_b):  # from the whole spaces: a word only one holds keeps its own vector there
        try:
            queries.append(analysis.word_query(space, target))
        except EmbedLabError as error:
            problems.append(error)
    in_a, in_b = target in whole_a, target in whole_b
    if problems and in_a != in_b:  # the other side neither holds the word nor builds a vector for it
        st.error(
            plain_markdown(
                f"'{target}' is in {a if in_a else b} but not in {b if in_a else a}: "
                "neighbours are compared among the words both spaces have; pick another "
                "word."
            ),
            icon=":material/error:",
        )
        return
    try:
        if problems:
            raise problems[0]
        result = analysis.compare_neighbors(shared_a, shared_b, target, k, (queries[0], queries[1]))
    except EmbedLabError as error:  # it quotes the word, which may come from someone else's link: shown as typed
        st.error(plain_markdown(str(error)), icon=":material/error:")
        return
    others = len(shared_a) - (target in shared_a.index)  # the word itself is never its own neighbour
    if k > others:
        st.warning(
            f"Only {others:,} other word{'s are' if others != 1 else ' is'} in both spaces, so each list holds "
            f"{others:,} neighbour{'s' if others != 1 else ''}, not {k}.",
            icon=":material/info:",
        )
    st.metric(
        f"Jaccard@{k} for “{plain_markdown(target)}”",
        f"{result.jaccard:.2f}",
        help="Share of the two neighbour lists' union that is in both",
    )
    for column, title, neighbours, origin in zip(
        st.columns(2),
        (f"A · {space_labels[a]}", f"B · {space_labels[b]}"),
        (result.a, result.b),
        (result.origin_a, result.origin_b),
    ):
        column.markdown(f"**{plain_markdown(title)}**")
        if origin in ORIGIN_NOTES:
            column.caption(plain_markdown(ORIGIN_NOTES[origin].format(word=target)), help=ORIGIN_HELP[origin])
        column.table(
            pd.DataFrame(
                {
                    "rank": range(1, len(neighbours) + 1),
                    "word": [n.word for n in neighbours],
                    "similarity": [f"{n.similarity:.3f}" for n in neighbours],
                    "in both": ["✓" if n.word in result.in_both else "" for n in neighbours],
                }
            ),
            hide_index=True,
        )
    st.caption(
        f"Both lists are searched among the {len(shared_a):,} words both spaces hold, so they can be compared "
        "(and Jaccard@k means something); `python -m embedlab neighbors --among` gives the same lists."
    )
    for side, whole, shared, query in (("A", whole_a, shared_a, queries[0]), ("B", whole_b, shared_b, queries[1])):
        left_out = analysis.left_out_neighbors(whole, shared, target, k, query)
        if left_out:
            other = "B" if side == "A" else "A"
            shown = ", ".join(f"{n.word} ({n.similarity:.3f})" for n in left_out)
            st.caption(
                plain_markdown(
                    f"Among all its own words, {side} also ranks {shown} in its top {k}: {other} does not hold "
                    f"{'it' if len(left_out) == 1 else 'them'} (a run keeps only words seen at least min_count "
                    "times), so the side-by-side lists leave them out."
                )
            )


def neighbours_tab() -> None:
    cells = st.columns(3)
    cells[0].metric("Shared words", f"{len(shared_a):,}", help="Neighbours are searched among these words only")
    cells[1].metric("Only in A", f"{len(ui.load_space(a, corpus_id)) - len(shared_a):,}")
    cells[2].metric("Only in B", f"{len(ui.load_space(b, corpus_id)) - len(shared_a):,}")
    if not word:
        typical = [w for w in hints.words if w in shared_a][:12]
        st.info(
            "Type a word to see its neighbours in both spaces"
            + (
                f", or pick one of this corpus's typical words (frequent here, rare in {hints.reference}):"
                if typical
                else f" ({hints.reason})."
                if hints.reason
                else "."
            )
        )
        if typical:
            st.pills(
                "Typical words",
                typical,
                key="cmp_hint",
                on_change=pick_word,
                args=("cmp_hint",),
                label_visibility="collapsed",
            )
        return
    show_neighbours(word)


def changed_tab() -> None:
    controls = st.columns([2, 2, 3, 2])
    metric = controls[0].radio(
        "Score", views.METRICS, key="cmp_metric", format_func=METRIC_LABELS.get, persist_state="page"
    )
    max_words = controls[3].number_input(
        "Words scored",
        views.MIN_SCORED_WORDS,
        views.MAX_SCORED_WORDS,
        step=1000,
        key="cmp_m",
        persist_state="page",
        help="Past this many shared words, a frequency-stratified sample",
    )
    all_words = st.toggle(
        "All words",
        key="cmp_all_words",
        persist_state="page",
        help="List stopwords, numbers (3.14, 3.11.2, v2.0) and punctuation-only tokens too; by default only "
        "content words and identifiers (np.linalg.norm, C++) are listed",
    )
    summary, frame = ui.compare_spaces(a, b, corpus_id, k, int(max_words), st.session_state.cmp_seed)
    noise = summary.noise
    beyond_only = noise.known and st.toggle(
        "Only changes beyond seed noise",
        key="cmp_beyond_noise",
        persist_state="page",
        help="List only the words whose A-vs-B change is larger than what retraining with another seed alone "
        "changes (the test is in the caption under the scores)",
    )
    ranking = analysis.rank_changes(frame, metric, all_words)
    listed = ranking.words[ranking.words["beyond_noise"]] if beyond_only else ranking.words
    present = set(frame["band"])
    bands = [band for band in analysis.band_order(frame["count_a"].to_numpy()) if band in present]
    if st.session_state.cmp_band and st.session_state.cmp_band not in bands:
        st.warning(f"No scored word is in the frequency band {st.session_state.cmp_band}; showing all bands.")
        st.session_state.cmp_band = ""
    band = controls[1].selectbox(
        "Frequency band", [""] + bands, key="cmp_band", persist_state="page", format_func=lambda v: v or "all bands"
    )
    low, high = controls[2].slider(
        "Score range", *views.RANGES["lo"], step=0.05, key=ui.SCORE_RANGE_KEY, persist_state="page"
    )
    label = METRIC_LABELS[metric]
    cells = st.columns(6 if noise.known else 5)
    cells[0].metric("Shared words", f"{summary.shared_words:,}")
    cells[1].metric("Only in A", f"{summary.only_a:,}")
    cells[2].metric("Only in B", f"{summary.only_b:,}")
    mean, median = (
        (summary.mean_jaccard, summary.median_jaccard)
        if metric == "jaccard"
        else (summary.mean_rank_overlap, summary.median_rank_overlap)
    )
    cells[3].metric(f"Mean {label}", f"{mean:.3f}", help=f"Over {summary.compared_words:,} scored words, k={summary.k}")
    cells[4].metric(f"Median {label}", f"{median:.3f}")
    if noise.known:
        cells[5].metric(
            "Beyond seed noise",
            f"{noise.share:.1%}",
            help=f"{noise.beyond:,} of the {noise.tested:,} scored words with a seed-noise floor changed beyond it",
        )
        st.caption(noise.caption("A", "B"))
    else:
        st.caption(noise.caption())
    in_band = listed if not band else listed[listed["band"] == band]
    selected = in_band[(in_band[metric] >= low) & (in_band[metric] <= high)]  # ranking order kept
    st.plotly_chart(figures.change_histogram(in_band[metric], label, low, high), key="cmp_change_histogram")
    st.caption(
        f"{len(selected):,} of {len(frame):,} scored words match the filters "
        f"(band: {band or 'all'}, {label} from {low:.2f} to {high:.2f}"
        + ("" if all_words else ", content words only")
        + (", beyond seed noise only" if beyond_only else "")
        + ")."
    )
    st.caption(ranking.tie_caption())
    for note in duplicate_notes():
        st.caption(plain_markdown(note))
    if selected.empty:
        return
    shown = selected.rename(
        columns={
            "jaccard": f"Jaccard@{summary.k}",
            "rank_overlap": "rank overlap",
            "deep_overlap": f"overlap@{summary.tie_depth}",
            "count_a": "count",
        }
    ).drop(columns=["count_b", "kind", "noise_p"])
    if noise.known:  # the floor next to the score it is the floor of
        shown = shown.assign(**{"beyond noise": np.where(shown["beyond_noise"], "✓", "")}).drop(columns="beyond_noise")
        first = ["word", f"Jaccard@{summary.k}", "floor", "beyond noise"]
        shown = shown[first + [column for column in shown.columns if column not in first]]
    else:
        shown = shown.drop(columns=["floor", "beyond_noise"])
    most, least = st.columns(2)
    most.markdown("**Most changed**")
    most.table(shown.head(15).style.format(precision=3, na_rep=""), hide_index=True)
    least.markdown("**Least changed**")
    least.table(shown.tail(15).iloc[::-1].style.format(precision=3, na_rep=""), hide_index=True)
    # On request: the whole table is sent to the browser on every rerun, even inside a closed expander.
    if st.toggle(f"Show all {len(selected):,} matching words (sortable table)", key="cmp_show_all"):
        st.dataframe(shown.round(3), hide_index=True, key="cmp_change_table")
    options = selected["word"].head(1000).tolist()
    st.selectbox(
        "Open a word's neighbour lists",
        options,
        index=options.index(word) if word in options else 0,
        key="cmp_pick",
        on_change=pick_word,
        args=("cmp_pick",),
    )
    show_neighbours(word if word in options else options[0])


def coverage_tab() -> None:
    specs = list(dict.fromkeys((a, b)))
    results = [ui.coverage(spec, corpus_id) for spec in specs]
    left, right = st.columns(2)
    left.plotly_chart(figures.coverage_bars(results, space_labels), key="cmp_coverage_chart")
    right.plotly_chart(
        figures.coverage_by_band({spec: ui.coverage_by_band(spec, corpus_id) for spec in specs}, space_labels),
        key="cmp_coverage_bands",
    )
    for column, result in zip(st.columns(len(results)), results):
        column.markdown(f"**{plain_markdown(space_labels[result.space])}**")
        if result.encodes_every_word:  # as the Neighbours tab: every word has a vector, whole or from its pieces
            wordpiece_coverage(column, result)
            continue
        column.metric(
            "Token coverage",
            f"{result.token_coverage:.1%}",
            help=f"Share of the corpus's {result.tokens:,} tokens whose word the space has",
        )
        column.metric(
            "Type coverage",
            f"{result.type_coverage:.1%}",
            help=f"Share of the corpus's {result.types:,} distinct words",
        )
        subwords = ui.fasttext_subword_coverage(result.space, corpus_id)
        if subwords is not None and subwords.token_share is None:
            column.caption(plain_markdown(subwords.note))
        elif subwords is not None:
            column.metric(
                "Missing tokens with a subword vector",
                f"{subwords.token_share:.1%}",
                help=f"{subwords.words:,} of the words below get a vector built from their character n-grams seen in "
                "training, as the Neighbours tab looks them up; a word none of whose n-grams was seen gets none",
            )
        missing = ui.missing_words(result.space, corpus_id)
        if "why" in missing:
            reasons = missing["why"].value_counts()
            column.caption(
                f"Corpus words the run has no vector for: {reasons.get(analysis.BELOW_MIN_COUNT, 0):,} seen fewer "
                f"than min_count times in its training corpus, {reasons.get(analysis.NEVER_SEEN, 0):,} not in "
                "its training corpus at all"
                + (f", {reasons[analysis.NOT_KEPT]:,} not kept" if analysis.NOT_KEPT in reasons else "")
                + ". The most frequent:"
            )
        else:
            column.caption("Most frequent corpus words it has no vector for")
        words_table(column, missing, result.space, "missing", "missing words")
    if spaces.BASELINE in specs:
        histogram, worst = ui.baseline_fragmentation(corpus_id)
        st.subheader("How the baseline's WordPiece tokenizer splits the corpus")
        left, right = st.columns(2)
        left.plotly_chart(figures.pieces_histogram(histogram), key="cmp_pieces_histogram")
        right.caption("The most fragmented of the 1,000 most frequent words")
        right.table(worst[["word", "count", "pieces", "split"]], hide_index=True)


def wordpiece_coverage(column, result: analysis.Coverage) -> None:
    """A WordPiece model's column of the Coverage tab: it encodes every word (missing none), and what it is measured
    by is how many words its tokenizer splits into pieces."""
    column.metric(
        "Words encoded",
        f"{result.token_coverage:.1%}",
        help="It encodes every corpus word, from its WordPiece pieces when its tokenizer splits it, as the "
        "Neighbours tab does: no word is missing",
    )
    column.metric(
        "Tokens kept whole",
        f"{1 - result.split_token_share:.1%}",
        help=f"Share of the corpus's {result.tokens:,} tokens whose word is one piece of its vocabulary",
    )
    column.metric("Tokens split into 2+ word pieces", f"{result.split_token_share:.1%}")
    column.metric("Mean word pieces per token", f"{result.mean_pieces_per_token:.2f}")
    split = ui.split_words(result.space, corpus_id)
    column.caption(
        "Most frequent words its tokenizer splits into word pieces (it still encodes them, from the pieces; the "
        "Neighbours tab shows what it makes of them)"
    )
    words_table(column, split, result.space, "split", "words split into pieces")


def words_table(column, words: pd.DataFrame, spec: str, name: str, what: str) -> None:
    """The 50 most frequent of ``words`` in the Coverage tab's column, and all of them as a CSV download."""
    column.dataframe(words.head(50), hide_index=True, key=f"cmp_{name}_{spec}")
    column.download_button(
        f"Download all {len(words):,} {what} (CSV)",
        words.to_csv(index=False).encode(),
        file_name=f"{name}-{spec.replace(':', '_').replace('/', '_')}.csv",
        mime="text/csv",
        key=f"cmp_{name}_csv_{spec}",
    )


def map_tab() -> None:
    controls = st.columns([4, 2, 2, 2])
    n = controls[0].slider(
        "Words on the map", views.MIN_MAP_WORDS, maps.MAX_MAP_WORDS, step=100, key="cmp_n", persist_state="page"
    )
    seed = controls[1].number_input("Sample seed", *views.RANGES["seed"], key="cmp_seed", persist_state="page")
    colour = controls[2].radio(
        "Colour", views.COLOURS, key="cmp_colour", format_func=COLOUR_LABELS.get, persist_state="page"
    )
    moves = controls[3].toggle("Show how far the highlighted words moved", key="cmp_moves", persist_state="page")
    search_box, search_note = st.columns([2, 3], vertical_alignment="bottom")
    searched = corpus.normalise_query(  # as the Word box: "VACUUM" finds vacuum
        search_box.text_input(
            "Find a word on the map",
            key="cmp_find",
            persist_state="page",
            placeholder="a word to ring in both maps (they zoom around it)",
        ),
        ui.load_corpus(corpus_id).options["tokenize"],
    )
    highlighted: list[str] = []
    highlighted_b: list[str] | None = None
    selected = [w for w in st.session_state.get(ui.MAP_SELECTION, []) if w in shared_a]
    if selected:
        st.caption(
            plain_markdown(f"Selected on the map: {', '.join(selected[:20])}" + (" …" if len(selected) > 20 else ""))
        )
        highlighted = selected
    elif word and word in shared_a:
        result = analysis.compare_neighbors(shared_a, shared_b, word, k)
        highlighted, highlighted_b = [nb.word for nb in result.a], [nb.word for nb in result.b]
        st.caption(
            plain_markdown(
                f"Map A marks the {len(highlighted)} nearest neighbours of '{word}' in A, map B its "
                f"{len(highlighted_b)} nearest in B ({len(result.in_both)} in both)."
            )
        )
    if word and word not in shared_a:
        st.warning(plain_markdown(f"'{word}' is not in both spaces, so nothing is highlighted."))
    marked = [word, *highlighted, *(highlighted_b or [])] if highlighted else ()
    sample = tuple(maps.sample_words(shared_a.words, n, seed, marked))
    eta = maps.estimated_seconds(len(sample)) + (0 if maps.warmed_up.is_set() else ui.WARM_UP_SECONDS)
    warming = "" if maps.warmed_up.is_set() else f" {ui.MAPS_COMPILING}"
    layout_a, layout_b = ui.wait_with_progress(
        f"Projecting {len(sample):,} words of both spaces with AlignedUMAP (the first time; then cached).{warming}",
        lambda report: ui.map_layouts(a, b, corpus_id, sample, seed),
        estimate_seconds=eta,
    )
    counts = shared_a.subset(sample).counts
    duplicates_a = maps.duplicate_counts(shared_a.subset(sample).vectors)
    duplicates_b = maps.duplicate_counts(shared_b.subset(sample).vectors)
    details = ui.word_changes(a, b, corpus_id, sample, k)
    if details.attrs.get("approximate"):
        st.caption(details.attrs["note"])
    values, title = None, ""
    if colour == "change":
        values, title = details["jaccard"].to_numpy(), f"Jaccard@{k}"
    elif colour == "frequency":
        values, title = np.log10(np.maximum(counts, 1)), "log10 count"
    search = figures.find_on_map(searched, sample, shared_a.__contains__)
    if search.found:
        search_note.success(plain_markdown(search.message), icon=":material/my_location:")
    elif search.word:
        search_note.warning(plain_markdown(search.message), icon=":material/search_off:")
    drawn = figures.map_figure(
        layout_a,
        layout_b,
        sample,
        counts,
        (f"A · {space_labels[a]}", f"B · {space_labels[b]}"),
        marks=figures.MapMarks(
            query=word,
            highlighted=highlighted,
            highlighted_b=highlighted_b,
            name="selected" if selected else "neighbours",
            found=search.found,
            moves=moves,
        ),
        colouring=figures.MapColouring(values, title),
        hover=figures.MapHover(details, f"Jaccard@{k}", duplicates_a, duplicates_b),
    )
    st.session_state[ui.MAP_TRACE_WORDS] = drawn.trace_words
    st.plotly_chart(drawn.figure, key="cmp_map", on_select=ui.select_on_map, selection_mode=("points", "box", "lasso"))
    hover = "Hover a point for its change score and nearest words in A and B"
    if len(sample) > figures.BIG_MAP_POINTS:
        hover = (
            f"Past {figures.BIG_MAP_POINTS:,} words a point is shaded darker where words crowd (unless coloured) "
            "over the maps' density; hover a point for its count and change score (the marked words also name "
            "their nearest words in A and B)"
        )
    st.caption(
        "Both maps are fitted together with AlignedUMAP (cosine), which keeps each word near its place in "
        "the other map unless its neighbourhood pulls it away: a word that sits in the same place in both "
        f"kept its neighbours. Zoom one map and the other follows. {hover}; click it to make it the word and see "
        "its neighbours; draw a box or lasso to highlight those words in both maps."
    )
    for note in duplicate_notes():
        st.caption(plain_markdown(note))


{"neighbours": neighbours_tab, "changed": changed_tab, "coverage": coverage_tab, "map": map_tab}[tab]()

state = ui.view_state()
ui.view_to_url(state)
with st.expander("HTML report", icon=":material/description:"):
    st.caption(
        "One self-contained file (opens offline) with the sections you choose. The comparison sections take "
        "seconds (the maps most of them); the evaluation sections run the Evaluate page's scoring, which can take "
        "minutes."
    )
    # The words follow the page's word until the user types their own list (a keyed text_input would keep the
    # word it was first drawn with); the key is set again after a page switch dropped it.
    typed, prefilled = st.session_state.get("cmp_report_words"), st.session_state.get("cmp_report_prefill")
    if typed is None or (prefilled != word and typed.strip() in ("", prefilled)):
        st.session_state["cmp_report_words"] = word
    st.session_state["cmp_report_prefill"] = word
    chosen = st.text_input("Words whose neighbour lists go in the report (comma-separated)", key="cmp_report_words")
    report_words = tuple(dict.fromkeys(w.strip() for w in chosen.split(",") if w.strip()))
    report_settings = report.ReportSettings(k=k, words=report_words, map_words=state.n, seed=state.seed)
    costs = report.estimate_seconds(
        ui.load_space(a, corpus_id), ui.load_space(b, corpus_id), ui.load_corpus(corpus_id), report_settings
    )
    comparison_sections = st.multiselect(
        "Comparison sections",
        [s.value for s in report.COMPARISON_SECTIONS],
        default=[s.value for s in report.COMPARISON_SECTIONS],
        format_func=lambda value: report.Section(value).heading,
        key="cmp_report_sections",
    )
    st.caption("Evaluation sections (each runs its scoring now; estimated time on 2 CPU cores)")
    evaluation_sections = [
        s.value
        for s in report.EVALUATION_SECTIONS
        if st.checkbox(f"{s.heading} ({report.SECTION_WORK[s]}, ~{costs[s]:,.0f} s)", key=f"cmp_report_{s.value}")
    ]
    if st.button("Build the report", key="cmp_report_build"):
        try:
            report_settings = report.ReportSettings(
                k=k,
                words=report_words,
                map_words=state.n,
                seed=state.seed,
                sections=(*comparison_sections, *evaluation_sections),
            )
        except EmbedLabError as error:  # no section chosen
            ui.show_error(error)
        else:
            try:  # the bar moves through long sections too (ui.wait_with_progress), naming the one that runs
                built = ui.wait_with_progress(
                    "Building the report…",
                    lambda show: ui.report_html(
                        a,
                        b,
                        corpus_id,
                        report_settings,
                        lambda step: show(step.fraction, f"{step.message}…" if step.message else None),
                    ),
                )
                st.session_state["cmp_report"] = (
                    built,
                    f"embedlab-{a}-vs-{b}.html".replace(":", "_").replace("/", "_"),
                )
            except EmbedLabError as error:
                ui.show_error(error)
    if "cmp_report" in st.session_state:
        data, file_name = st.session_state["cmp_report"]
        st.download_button(
            "Download the report", data, file_name=file_name, mime="text/html", key="cmp_report_download"
        )
with link_box.expander("Copy link to this view", icon=":material/link:"):
    st.caption("Opening this link on this server redraws exactly this view.")
    st.code(ui.share_url(state), language=None)
