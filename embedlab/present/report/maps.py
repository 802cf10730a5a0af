"""The report's Maps section: A and B fitted together with AlignedUMAP, the chosen words and their neighbours
marked, on the sample of words the Compare page's Map tab draws (:func:`map_sample`)."""

from __future__ import annotations

from embedlab import analysis
from embedlab.analysis import maps
from embedlab.present import figures
from embedlab.present.report.inputs import SectionInputs
from embedlab.present.report.markup import figure_html, heading
from embedlab.present.report.progress import BuildSteps
from embedlab.present.report.settings import ReportSettings, Section
from embedlab.spaces.space import EmbeddingSpace


def map_sample(shared_a: EmbeddingSpace, shared_b: EmbeddingSpace, settings: ReportSettings) -> list[str]:
    """The words on the report's maps: the first chosen word, its neighbours in A, then in B, the other chosen
    words, then a frequency-stratified sample (``maps.sample_words``). For one word that is the Compare page's
    Map tab's sample for the same word, k, size and seed, so the report reuses that map's layouts (cached on disk).

    Args:
        shared_a, shared_b: A and B restricted to their shared words (``analysis.shared_spaces``).

    Returns:
        Shared words; the chosen ones that are not shared are left out.
    """
    chosen = [w for w in settings.words if w in shared_a]
    comparisons = [analysis.compare_neighbors(shared_a, shared_b, w, settings.k) for w in chosen]
    in_a = [n.word for c in comparisons for n in c.a]
    in_b = [n.word for c in comparisons for n in c.b]
    marked = [*chosen[:1], *in_a, *in_b, *chosen[1:]]
    return maps.sample_words(shared_a.words, settings.map_words, settings.seed, marked)


def maps_section(inputs: SectionInputs, steps: BuildSteps) -> str:
    """Both maps, fitted together, as the Compare page draws them: the first chosen word, its neighbours in A on map
    A and in B on map B, the other chosen words on both; hover shows each word's change and neighbours."""
    a, b, settings = inputs.a, inputs.b, inputs.settings
    shared_a, shared_b = inputs.shared
    chosen = [w for w in settings.words if w in shared_a]
    comparisons = [analysis.compare_neighbors(shared_a, shared_b, w, settings.k) for w in chosen]
    marked_a = list(dict.fromkeys([*(n.word for c in comparisons for n in c.a), *chosen[1:]]))
    marked_b = list(dict.fromkeys([*(n.word for c in comparisons for n in c.b), *chosen[1:]]))
    sample = map_sample(shared_a, shared_b, settings)
    rows = [shared_a.index[w] for w in sample]
    layout_a, layout_b = maps.aligned_layouts(
        shared_a.vectors[rows],
        shared_b.vectors[rows],
        maps.MapSettings(sample_size=max(10, len(sample)), seed=settings.seed),
    )
    figure = figures.map_pair(
        layout_a,
        layout_b,
        sample,
        shared_a.counts[rows],
        (f"A · {a.title}", f"B · {b.title}"),
        marks=figures.MapMarks(chosen[0] if chosen else "", marked_a, marked_b),
        hover=figures.MapHover(analysis.word_changes(shared_a, shared_b, sample, settings.k), f"Jaccard@{settings.k}"),
    )
    return (
        heading(Section.MAPS)
        + f"<p class='muted'>{len(sample):,} words, frequency-stratified sample (seed {settings.seed}); both maps "
        "fitted together with AlignedUMAP, so a word that kept its neighbours sits in the same place. Map A marks "
        "the neighbours in A, map B those in B.</p>" + figure_html(figure)
    )
