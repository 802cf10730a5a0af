"""Compare page: two spaces side by side — neighbours, coverage, maps — with the view in the URL."""
import pandas as pd
import streamlit as st

from embedlab import compare, figures, project, share, spaces, ui

ui.ensure_router()
st.title("Compare")
corpora = ui.corpus_options()
space_choices = spaces.space_choices()
problems = ui.view_from_url(space_choices, list(corpora))
for problem in problems:
    st.warning(problem, icon=":material/link_off:")
if not corpora:
    st.info("No corpus yet: add one on the Corpus page, then train a run to compare with the baseline.")
    st.stop()

if st.session_state.cmp_corpus not in corpora:
    st.session_state.cmp_corpus = ui.active_corpus_id(corpora)
if st.session_state.cmp_a not in space_choices:
    st.session_state.cmp_a = space_choices[1] if len(space_choices) > 1 else spaces.BASELINE
if st.session_state.cmp_b not in space_choices:
    st.session_state.cmp_b = spaces.BASELINE

left, middle, right = st.columns([2, 2, 2])
corpus_id = left.selectbox("Corpus", list(corpora), format_func=corpora.get, key="cmp_corpus")
a = middle.selectbox("Space A", space_choices, key="cmp_a")
b = right.selectbox("Space B", space_choices, key="cmp_b")
left, right = st.columns([3, 2])
word = left.text_input("Word", key="cmp_word", placeholder="a word from the corpus, e.g. matrix").strip()
k = right.slider("Neighbours (k)", 1, 100, key="cmp_k")
tab = st.radio("View", share.TABS, key="cmp_tab", horizontal=True, format_func=str.capitalize)
state = ui.view_state()
ui.view_to_url(state)
with st.expander("Share this view", icon=":material/link:"):
    st.code(ui.share_url(state), language=None)

try:
    shared_a, shared_b = ui.shared_pair(a, b, corpus_id)
except ValueError as error:
    ui.show_error(error)
    st.stop()

if tab == "neighbours":
    summary, _ = ui.compare_spaces(a, b, corpus_id, k)
    cells = st.columns(4)
    cells[0].metric("Shared words", f"{summary.shared_words:,}")
    cells[1].metric("Only in A", f"{summary.only_a:,}")
    cells[2].metric("Only in B", f"{summary.only_b:,}")
    cells[3].metric(f"Mean Jaccard@{summary.k}", f"{summary.mean_jaccard:.3f}",
                    help=f"Over the {summary.compared_words:,} most frequent shared words")
    if not word:
        st.info("Type a word to see its neighbours in both spaces. Frequent shared words: "
                + ", ".join(shared_a.words[:12]))
        st.stop()
    try:
        result = compare.compare_neighbors(shared_a, shared_b, word, k)
    except ValueError as error:
        ui.show_error(error)
        st.stop()
    st.metric(f"Jaccard@{k} for “{word}”", f"{result.jaccard:.2f}",
              help="Share of the two neighbour lists' union that is in both")
    columns = st.columns(2)
    for column, title, neighbours in ((columns[0], f"A · {a}", result.a), (columns[1], f"B · {b}", result.b)):
        column.markdown(f"**{title}**")
        column.table(pd.DataFrame({
            "rank": range(1, len(neighbours) + 1),
            "word": [n.word for n in neighbours],
            "similarity": [f"{n.similarity:.3f}" for n in neighbours],
            "in both": ["✓" if n.word in result.in_both else "" for n in neighbours],
        }), hide_index=True)
elif tab == "coverage":
    results = [ui.coverage(spec, corpus_id) for spec in dict.fromkeys((a, b))]
    st.plotly_chart(figures.coverage_bars(results), key="cmp_coverage_chart")
    for column, result in zip(st.columns(len(results)), results):
        column.markdown(f"**{result.space}**")
        column.metric("Token coverage", f"{result.token_coverage:.1%}",
                      help=f"Share of the corpus's {result.tokens:,} tokens whose word the space has")
        column.metric("Type coverage", f"{result.type_coverage:.1%}",
                      help=f"Share of the corpus's {result.types:,} distinct words")
        if result.split_token_share is not None:
            column.metric("Tokens split into 2+ word pieces", f"{result.split_token_share:.1%}")
            column.metric("Mean word pieces per token", f"{result.mean_pieces_per_token:.2f}")
        column.caption("Most frequent missing words")
        column.dataframe(pd.DataFrame(result.top_missing, columns=["word", "count"]), hide_index=True,
                         key=f"cmp_missing_{result.space}")
else:
    left, right = st.columns([3, 1])
    n = left.slider("Words on the map", share.MIN_MAP_WORDS, share.MAX_MAP_WORDS, step=50, key="cmp_n")
    seed = right.number_input("Sample seed", 0, 2**31 - 1, key="cmp_seed")
    highlighted = []
    if word and word in shared_a:
        result = compare.compare_neighbors(shared_a, shared_b, word, k)
        highlighted = [nb.word for nb in result.a + result.b]
    elif word:
        st.warning(f"'{word}' is not in both spaces, so nothing is highlighted.")
    sample = tuple(project.sample_words(shared_a.words, n, seed, [word, *highlighted] if highlighted else ()))
    with st.spinner(f"Projecting {len(sample):,} words of both spaces with UMAP…"):
        layout_a, layout_b = ui.map_layouts(a, b, corpus_id, sample, seed)
    counts = shared_a.subset(sample).counts
    st.plotly_chart(figures.map_pair(layout_a, layout_b, sample, counts, (f"A · {a}", f"B · {b}"), word,
                                     highlighted), key="cmp_map")
    st.caption("Each map is UMAP of its own space (cosine); B is rotated onto A by an orthogonal Procrustes fit, "
               "so a word whose neighbourhood did not change sits in about the same place in both.")
