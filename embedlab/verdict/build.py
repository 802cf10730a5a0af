"""Assembling the verdict from the evidence EmbedLab already computes: the evaluation flow (benchmarks, held-out
retrieval, the label task, WEAT, the dimension sweep, each candidate against the baseline with 95% intervals), What
changed with its seed-noise floor, coverage, and run health. Nothing here measures anything new except domain
language (:mod:`embedlab.verdict.domain`); every number is the one the Evaluate or Compare page shows.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from embedlab import analysis, config, evaluation, formatting, store
from embedlab.analysis.views import CompareView
from embedlab.corpus.keywords import function_words
from embedlab.corpus.language import corpus_languages, language_name
from embedlab.corpus.stored import no_labels_reason
from embedlab.errors import EmbedLabError
from embedlab.evaluation.measures import RETRIEVAL_MRR, RETRIEVAL_RECALL, TASK_ACCURACY, Measure, similarity
from embedlab.evaluation.stats import CONFIDENCE
from embedlab.records import RunMethod
from embedlab.spaces import baseline as baseline_model
from embedlab.spaces.labels import BASELINE_LABEL, space_labels
from embedlab.spaces.language import baseline_language_note
from embedlab.spaces.load import load_space
from embedlab.spaces.provenance import corpus_mismatches
from embedlab.spaces.spec import SpaceKind, SpaceSpec
from embedlab.training.health import space_health
from embedlab.verdict.domain import MIN_CHECKED as DOMAIN_MIN_CHECKED
from embedlab.verdict.domain import DomainLanguage, domain_language
from embedlab.verdict.domain import finding as domain_finding
from embedlab.verdict.model import REASONS, RECOMMENDING_USES, Headline, Reason, ReasonKey, Use, Verdict, headline_for

if TYPE_CHECKING:
    from embedlab.corpus.stored import Corpus
    from embedlab.spaces.space import EmbeddingSpace

MIN_TOKENS = 20_000  # below this a trained space's neighbours say little, whatever the numbers
WITHIN = 0.01  # "within 1% of full quality" for the smallest dimension
MEANINGFUL = 0.2  # a Spearman or accuracy below this at full size is not a quality worth keeping
COMPARE = CompareView()  # the Compare page's view as it opens: the verdict names the words its What changed names
K = COMPARE.k
EXAMPLES = 8

Progress = Callable[[float, str], None]

# The verdict's progress scale: loading the spaces (MiniLM encodes the corpus's words) up to _LOADING, the evaluation
# up to _EVALUATED, then domain language, the differences' intervals and coverage.
_LOADING = 0.15
_EVALUATED = 0.85


def _quiet(_fraction: float, _message: str) -> None:
    return None


def candidate_kind(spec: str) -> str:
    """What a space is, for the limited-data comparison: ``baseline``, ``fine-tuned``, ``trained from scratch``,
    ``continued from pretrained``, ``pretrained file`` or ``derived`` (debiased, in context)."""
    parsed = SpaceSpec.parse(spec)
    if parsed.debiased or parsed.context:
        return "derived"
    if parsed.kind is SpaceKind.BASELINE:
        return "baseline"
    if parsed.kind is SpaceKind.VECTORS:
        return "pretrained file"
    row = store.get_run(parsed.source)
    if row is None:
        return "pretrained file"
    if row.method is RunMethod.SENTENCE_TRANSFORMER:
        return "fine-tuned"
    return "continued from pretrained" if row.params.get("init") else "trained from scratch"


def evaluation_options(spaces: Sequence[EmbeddingSpace], corpus: Corpus) -> evaluation.EvaluationOptions:
    """The evaluation the verdict reads: every section, the shipped WEAT test most of these spaces can run (the one
    the Evaluate page opens on), and the dimension sweep up to the first size within ``WITHIN`` of full quality (all
    the verdict reads of it: larger sizes are not scored). Pass an evaluation made with these options as
    ``build_verdict(evaluated=...)`` to reuse it."""
    coverage = {space.name: evaluation.weat_coverage(space) for space in spaces}
    chosen, _ = evaluation.default_weat_set(coverage)
    return evaluation.EvaluationOptions(
        weat_sets={chosen: evaluation.WEAT_SETS[chosen]}, sweep=True, sweep_stop_within=WITHIN
    )


def needs_comparison(candidate: EmbeddingSpace, baseline: EmbeddingSpace) -> bool:
    """Whether domain language reads What changed (``analysis.compare_spaces``) of the candidate: only its seed-noise
    floor, which needs seed replicas of one of the two spaces; without them scoring every shared word is not needed
    for the answer."""
    return candidate.seed_replicas is not None or baseline.seed_replicas is not None


def _interval(low: float, high: float) -> str:
    shown = formatting.interval(low, high, confidence=CONFIDENCE)
    return "no interval" if shown == formatting.DASH else shown


SEEDS_ADVISED = 3  # seeds a single-seed run is advised to train again with, to make its comparison a claim


def seed_advice(spec: str) -> str:
    """What to do so that a comparison of a space trained with one seed becomes a claim about its settings, with
    the cost up front: train the run again with :data:`SEEDS_ADVISED` seeds (about that many times its training
    time), or, for a fine-tune (trained once here), what it would take."""
    try:
        parsed = SpaceSpec.parse(spec)
    except EmbedLabError:
        return ""
    record = store.get_run(parsed.source) if parsed.kind is SpaceKind.RUN else None
    if record is None:
        return ""
    if record.is_finetuned:
        return (
            "a fine-tune is trained once here, so the seed-to-seed spread of its settings is not measured: "
            "fine-tune again with another seed and compare the two to see it"
        )
    return (
        f"train it again with Seeds {SEEDS_ADVISED} on the Train page (about {SEEDS_ADVISED}× its "
        f"{record.seconds:,.0f} s of training) to test its settings rather than this file"
    )


def _tested(row: pd.Series, comparisons: int) -> str:
    return (
        f"{_interval(row['ci_low'], row['ci_high'])}; Holm-adjusted p = {row['p_adjusted']:.2g} over {comparisons} "
        f"comparisons; {row['variance']}"
    )


def _headline(
    use: Use,
    rows: pd.DataFrame,
    measure: str,
    baseline: str,
    labels: Mapping[str, str],
    missing: str,
    comparisons: int,
) -> Headline:
    """The answer for one use from the candidates' differences with the baseline on one measure.

    A candidate is named ("Use X") only when its lead is significant after Holm's adjustment over every comparison
    of the evaluation and the test covers the variance of training (scope ``configuration``) or there is none
    (``fixed``); a lead between files trained with one seed is reported as such, with what would make it a claim.
    """
    if rows.empty or rows["difference"].isna().all():
        return Headline(use, None, measure, math.nan, math.nan, math.nan, False, f"Not enough evidence: {missing}")
    rows = rows.dropna(subset=["difference"])
    significant = rows["p_adjusted"] < 1 - CONFIDENCE
    claims = rows["scope"] != evaluation.FILES
    wins = rows[significant & claims & (rows["difference"] > 0)]
    if not wins.empty:
        best = wins.loc[wins["difference"].idxmax()]
        return _decided(
            use,
            best["a"],
            measure,
            best,
            True,
            comparisons,
            f"Use {labels[best['a']]}: {measure} {best['a_score']:.3f} against {best['b_score']:.3f} for "
            f"{labels[baseline]} on the {best['items']:,} items both score, {best['difference']:+.3f} "
            f"({_tested(best, comparisons)}).",
        )
    closest = rows.loc[rows["difference"].idxmax()]
    if (significant & claims).all() and (rows["difference"] < 0).all():
        flipped = closest.copy()
        flipped["difference"], flipped["ci_low"], flipped["ci_high"] = (
            -closest["difference"],
            -closest["ci_high"],
            -closest["ci_low"],
        )
        return _decided(
            use,
            baseline,
            measure,
            flipped,
            True,
            comparisons,
            f"Keep {labels[baseline]}: it beats every candidate on {measure}; the closest, "
            f"{labels[closest['a']]}, scores {closest['a_score']:.3f} against {closest['b_score']:.3f} on the "
            f"{closest['items']:,} items both score ({closest['difference']:+.3f}, {_tested(closest, comparisons)}).",
        )
    files = rows[significant & ~claims]
    if not files.empty:  # a lead (or a loss) between files: said, never a recommendation
        named = files.loc[files["difference"].abs().idxmax()]
        ahead = labels[named["a"]] if named["difference"] > 0 else labels[baseline]
        advice = seed_advice(named["a"])
        return _decided(
            use,
            None,
            measure,
            named,
            False,
            comparisons,
            f"Not a claim yet: on these files {labels[named['a']]} scores {named['a_score']:.3f} against "
            f"{named['b_score']:.3f} for {labels[baseline]} on {measure}, on the {named['items']:,} items both score "
            f"({named['difference']:+.3f}, {_tested(named, comparisons)}): {ahead} is ahead, but "
            f"{labels[named['a']]} was trained with one seed, so this cannot tell its settings from seed noise"
            + (f": {advice}." if advice else "."),
        )
    return _decided(
        use,
        None,
        measure,
        closest,
        False,
        comparisons,
        f"No significant difference at 95%: {labels[closest['a']]} scores {closest['a_score']:.3f} against "
        f"{closest['b_score']:.3f} for {labels[baseline]} on {measure}, on the {closest['items']:,} items both score "
        f"({closest['difference']:+.3f}, {_tested(closest, comparisons)}); the baseline needs no training.",
    )


def _decided(
    use: Use,
    winner: str | None,
    measure: str,
    row: pd.Series,
    significant: bool,
    comparisons: int,
    sentence: str,
) -> Headline:
    """A headline from the difference row that decided it (its numbers, test and variance)."""
    return Headline(
        use,
        winner,
        measure,
        float(row["difference"]),
        float(row["ci_low"]),
        float(row["ci_high"]),
        significant,
        sentence,
        float(row["p_value"]),
        float(row["p_adjusted"]),
        str(row["variance"]),
        comparisons,
    )


def _similarity_measure(found: evaluation.Evaluation) -> Measure:
    """The word-similarity benchmark to decide on: the person's own pairs when given (they are about this domain),
    else WordSim-353."""
    names = [result.name for result in found.spaces[0].similarities]
    own = [name for name in names if name not in evaluation.BUILTIN_PAIRS]
    return similarity(own[0] if own else "WordSim-353")


def _smallest_within(sweep: pd.DataFrame | None) -> dict[str, Any] | None:
    """The smallest swept dimension whose every measured quality is within ``WITHIN`` of the full size's
    (``evaluation.smallest_within``: the rule the sweep stops by, so a stopped sweep answers as a full one)."""
    row = evaluation.smallest_within(sweep, WITHIN, MEANINGFUL)
    if sweep is None or row is None:
        return None
    full = sweep.loc[sweep["dim"].idxmax()]
    return {
        "full_dim": int(full["dim"]),
        "dim": int(row["dim"]),
        "mb_per_100k": float(row["MB per 100k words"]),
        "full_mb_per_100k": float(full["MB per 100k words"]),
        "saved": 1 - float(row["dim"]) / float(full["dim"]),
        "measures": evaluation.quality_columns(full, MEANINGFUL),
    }


def _memory_headline(
    recommended: str, sizes: Mapping[str, dict[str, Any] | None], labels: Mapping[str, str]
) -> Headline:
    found = sizes.get(recommended)
    measure = "MB per 100,000 words"
    if found is not None and found["dim"] == found["full_dim"]:
        return Headline(
            Use.SMALL_MEMORY,
            recommended,
            measure,
            0.0,
            math.nan,
            math.nan,
            False,
            f"No smaller size of {labels[recommended]} stays within {WITHIN:.0%} of its quality: it needs its full "
            f"{found['full_dim']} dimensions ({found['full_mb_per_100k']:.0f} MB per 100,000 words).",
        )
    if found is None:
        return Headline(
            Use.SMALL_MEMORY,
            None,
            measure,
            math.nan,
            math.nan,
            math.nan,
            False,
            "Not enough evidence: the dimension sweep has no word-similarity or task score for "
            f"{labels[recommended]}; add labels or evaluate on Evaluate's Dimensions tab.",
        )
    return Headline(
        Use.SMALL_MEMORY,
        recommended,
        measure,
        found["saved"],
        math.nan,
        math.nan,
        False,
        f"Use {labels[recommended]} reduced to {found['dim']} dimensions (PCA): {found['mb_per_100k']:.0f} MB per "
        f"100,000 words instead of {found['full_mb_per_100k']:.0f}, within {WITHIN:.0%} of its full-size "
        f"quality ({', '.join(found['measures'])}).",
    )


def _no_general_reference(corpus: Corpus) -> Reason:
    """Domain language left out: the baseline, an English model, is no reference for the corpus's general language."""
    main = language_name(corpus_languages(corpus).main or "")
    return Reason(
        ReasonKey.DOMAIN_LANGUAGE,
        f"Not measured: domain language is what a corpus uses differently from the general language, read against "
        f"the baseline, and the {BASELINE_LABEL} is an English model while this corpus is mostly {main}: it is no "
        f"reference for general {main} (against it, {main}'s own everyday words, its articles for a start, would "
        f"look like domain language), and EmbedLab has no general {main} space to read it against.",
        {"language": corpus_languages(corpus).main},
        measured=False,
    )


def _domain_reason(found: Mapping[str, DomainLanguage], labels: Mapping[str, str]) -> Reason:
    if not found:
        return Reason(
            ReasonKey.DOMAIN_LANGUAGE,
            "Not measured: domain language is read from a Word2Vec or FastText run trained on this corpus; train "
            "one (with 2 or more seeds to rule out seed noise).",
            measured=False,
        )
    numbers = {
        "spaces": {
            name: {
                "checked": evidence.checked,
                "shifted": len(evidence.shifted),
                "share": evidence.share,
                "median_shift": evidence.median_shift,
                "threshold": evidence.threshold,
                "fdr": evidence.fdr,
                "floor_known": evidence.floor_known,
                "words": [shift.word for shift in evidence.shifted],
            }
            for name, evidence in found.items()
        },
    }
    # the clearest first (the largest shift), then the most frequent: their neighbour lists rest on most evidence
    ordered = sorted(
        ((name, shift) for name, evidence in found.items() for shift in evidence.shifted),
        key=lambda pair: (-pair[1].shift, -pair[1].count, pair[1].word),
    )[:EXAMPLES]
    examples = tuple(
        {
            "word": shift.word,
            "space": name,
            "count": shift.count,
            "shift": shift.shift,
            "here": list(shift.here),
            "general": list(shift.general),
            "beyond_noise": shift.beyond_noise,
        }
        for name, shift in ordered
    )
    best = max(found.values(), key=lambda evidence: (len(evidence.shifted), evidence.checked))
    measured = best.checked >= DOMAIN_MIN_CHECKED  # never "no sign of" from too few words
    return Reason(
        ReasonKey.DOMAIN_LANGUAGE,
        domain_finding(best, labels[best.candidate]),
        numbers,
        examples if measured else (),
        measured=measured,
    )


def _coverage_reason(spaces: Sequence[EmbeddingSpace], corpus: Corpus, labels: Mapping[str, str]) -> Reason:
    numbers: dict[str, Any] = {}
    parts = []
    for space in spaces:
        found = analysis.vocabulary_coverage(space, corpus, top=10)
        entry: dict[str, Any] = {
            "token_coverage": found.token_coverage,
            "type_coverage": found.type_coverage,
            "split_token_share": found.split_token_share,
            "by_band": analysis.coverage_by_band(space, corpus).to_dict("records"),
            "top_missing": [word for word, _ in found.top_missing],
        }
        subwords = analysis.subword_vector_coverage(space, corpus)
        if subwords is not None:
            entry["subword_token_share"] = subwords.token_share
        numbers[space.name] = entry
        if found.split_token_share is not None:
            parts.append(
                f"{labels[space.name]} keeps {1 - found.split_token_share:.0%} of tokens whole and builds the other "
                f"{found.split_token_share:.0%} from word pieces"
            )
        else:
            recovered = ""
            if subwords is not None and subwords.token_share is not None:
                recovered = f", and builds vectors for {subwords.token_share:.0%} of the missing from subwords"
            parts.append(f"{labels[space.name]} has a vector for {found.token_coverage:.1%} of tokens{recovered}")
    return Reason(ReasonKey.OOV, "; ".join(parts) + ".", numbers)


def _measure_table(found: evaluation.Evaluation, measure: Measure) -> dict[str, dict[str, float]]:
    """Each space's score on one measure with its 95% interval (the Evaluate page's intervals)."""
    rows = measure.rows(found.intervals)
    return {
        row.space: {"score": row.score, "ci_low": row.ci_low, "ci_high": row.ci_high, "items": row.items}
        for row in rows.itertuples(index=False)
    }


def _verdicts(differences: pd.DataFrame, measure: Measure) -> dict[str, str]:
    return {row.a: row.verdict for row in measure.rows(differences).itertuples(index=False)}


def _limited_data_reason(
    found: evaluation.Evaluation, corpus: Corpus, kinds: Mapping[str, str], labels: Mapping[str, str]
) -> Reason:
    retrieval = _measure_table(found, RETRIEVAL_MRR)
    numbers = {"tokens": corpus.stats.tokens, "kinds": dict(kinds), str(RETRIEVAL_MRR.metric): retrieval}
    by_kind: dict[str, list[str]] = {}
    for name, kind in kinds.items():
        by_kind.setdefault(kind, []).append(name)
    if "fine-tuned" not in by_kind:
        return Reason(
            ReasonKey.LIMITED_DATA,
            f"With {corpus.stats.tokens:,} tokens, no fine-tuned candidate was compared: fine-tune MiniLM on the "
            "Train page to see whether starting from a pretrained model beats training from scratch here.",
            numbers,
        )
    if not retrieval:
        return Reason(
            ReasonKey.LIMITED_DATA,
            f"With {corpus.stats.tokens:,} tokens there are no held-out pairs to compare a fine-tune with training "
            "from scratch; add documents of several sentences.",
            numbers,
        )

    shown = []
    for kind in ("fine-tuned", "trained from scratch", "continued from pretrained", "baseline"):
        scored = [name for name in by_kind.get(kind, []) if name in retrieval]
        if scored:
            name = max(scored, key=lambda found: retrieval[found]["score"])
            shown.append(f"{kind} {labels[name]} {retrieval[name]['score']:.3f}")
    return Reason(
        ReasonKey.LIMITED_DATA,
        f"With {corpus.stats.tokens:,} tokens, {RETRIEVAL_MRR.label}: " + "; ".join(shown) + ".",
        numbers,
    )


def _retrieval_reason(found: evaluation.Evaluation, headline: Headline) -> Reason:
    numbers = {
        str(RETRIEVAL_MRR.metric): _measure_table(found, RETRIEVAL_MRR),
        str(RETRIEVAL_RECALL.metric): _measure_table(found, RETRIEVAL_RECALL),
        "verdicts": _verdicts(found.differences, RETRIEVAL_MRR),
        "pairs": found.held_out.note,
    }
    return Reason(
        ReasonKey.TASK_CONTEXT,
        f"Reading this corpus's own sentences (held-out retrieval): {headline.sentence}",
        numbers,
    )


def _task_reason(found: evaluation.Evaluation, corpus: Corpus, headline: Headline) -> Reason:
    label_tuned = evaluation.label_fine_tunes(found.held_out.fine_tunes)
    if not corpus.labels and corpus.label_guess:  # read without the column that looks like its label: say which
        return Reason(ReasonKey.TASK_PERFORMANCE, f"Not measured: {no_labels_reason(corpus)}.", measured=False)
    if not corpus.labels:
        return Reason(
            ReasonKey.TASK_PERFORMANCE,
            "Not measured: the corpus has no labels. Upload it with a label column (CSV/TSV/JSONL) to score each "
            "space on your own classification task.",
            measured=False,
        )
    if problem := evaluation.task_problem(corpus, fine_tunes=label_tuned):
        return Reason(
            ReasonKey.TASK_PERFORMANCE,
            f"Not measured: {problem}. Label more documents (at least 5 for each of two labels) to score each space "
            "on your own classification task.",
            measured=False,
        )
    numbers = {
        str(TASK_ACCURACY.metric): _measure_table(found, TASK_ACCURACY),
        "verdicts": _verdicts(found.differences, TASK_ACCURACY),
    }
    # which documents were held out from a fine-tune that trained on the labels (the same for every space)
    notes = sorted({space.task.note for space in found.spaces if space.task is not None and space.task.note})
    return Reason(
        ReasonKey.TASK_PERFORMANCE,
        " ".join([f"On the corpus's labels (5-fold): {headline.sentence}", *notes]),
        {**numbers, "notes": notes},
    )


def _no_task(corpus: Corpus, fine_tunes: Sequence[str] = ()) -> str:
    if not corpus.labels and corpus.label_guess:
        return no_labels_reason(corpus)
    if not corpus.labels:
        return "the corpus has no labels; upload it with a label column to measure it"
    return evaluation.task_problem(corpus, fine_tunes=fine_tunes) + "; label more documents to measure it"


def _dimensionality_reason(sizes: Mapping[str, dict[str, Any] | None], labels: Mapping[str, str]) -> Reason:
    known = {name: found for name, found in sizes.items() if found is not None}
    if not known:
        return Reason(
            ReasonKey.DIMENSIONALITY,
            "Not enough evidence: no space has a swept quality to hold within 1% (word-similarity benchmarks "
            "need words they know; labels add the task).",
            {"spaces": dict(sizes)},
        )
    parts = [
        f"{labels[name]} stays within {WITHIN:.0%} of its quality at {found['dim']} of {found['full_dim']} dimensions "
        f"({found['saved']:.0%} less memory)"
        if found["dim"] < found["full_dim"]
        else f"{labels[name]} needs all its {found['full_dim']} dimensions to stay within {WITHIN:.0%} of its quality"
        for name, found in known.items()
    ]
    return Reason(ReasonKey.DIMENSIONALITY, "; ".join(parts) + ".", {"within": WITHIN, "spaces": dict(sizes)})


def _bias_reason(found: evaluation.Evaluation, labels: Mapping[str, str]) -> Reason:
    numbers: dict[str, Any] = {}
    parts = []
    for space in found.spaces:
        for test, result in space.weat.items():
            low, high = getattr(result, "ci_low", math.nan), getattr(result, "ci_high", math.nan)
            numbers.setdefault(test, {})[space.space] = {
                "effect_size": result.effect_size,
                "ci_low": low,
                "ci_high": high,
                "p_value": result.p_value,
                "used": dict(result.used),
            }
            if not math.isnan(result.effect_size):
                interval = "" if math.isnan(low) else f" ({formatting.interval(low, high, digits=2)})"
                parts.append(f"{labels[space.space]} d = {result.effect_size:+.2f}{interval}")
    if not parts:
        return Reason(
            ReasonKey.BIAS,
            "Not enough evidence: no shipped WEAT test has enough of its words in these spaces.",
            numbers,
        )
    test = next(iter(numbers))
    return Reason(
        ReasonKey.BIAS,
        f"WEAT effect size on {test} (Caliskan et al. 2017; 95% intervals): " + "; ".join(parts) + ".",
        numbers,
    )


def _privacy_reason(spaces: Sequence[EmbeddingSpace]) -> Reason:
    offline = {name: os.environ.get(name, "") for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    return Reason(
        ReasonKey.PRIVACY,
        f"Everything ran on this machine: the corpus, {len(spaces)} spaces and every score stay in EmbedLab's data "
        "folder here, the baseline model is the copy installed with EmbedLab, Hugging Face downloads are switched "
        "off and the app serves from this machine only, so no request left it.",
        {"home": str(config.home()), "model": str(baseline_model.model_path()), "offline": offline},
    )


def _multimodal_reason() -> Reason:
    return Reason(
        ReasonKey.MULTIMODAL,
        "Not measured: EmbedLab compares text embeddings. Joining text with images, audio or tables needs a "
        "multimodal model (such as CLIP) and paired examples, which this tool neither trains nor evaluates.",
        measured=False,
    )


def build_verdict(
    corpus: Corpus,
    candidates: Sequence[str],
    baseline: str = "baseline",
    *,
    evaluated: evaluation.Evaluation | None = None,
    comparisons: Mapping[str, tuple[Any, pd.DataFrame]] | None = None,
    load: Callable[[str], EmbeddingSpace] | None = None,
    progress: Progress | None = None,
    sections: evaluation.Sections | None = None,
) -> Verdict:
    """Whether the candidates beat the baseline on ``corpus``, for which use, and which reasons the corpus bears out.

    Args:
        corpus: the corpus the candidates were trained on (its counts, labels and sentences).
        candidates: specs of the custom spaces (runs, fine-tunes, vectors files, derived spaces); at least one.
        baseline: the pretrained space they are measured against.
        evaluated: an evaluation of exactly these spaces on this corpus, to reuse (the Evaluate page's); default:
            ``evaluation.evaluate_spaces`` with every section, the dimension sweep and the shipped WEAT test most
            of them can run.
        comparisons: candidate -> ``analysis.compare_spaces(candidate, baseline, 10)`` already computed (the Compare
            page's What changed), to reuse.
        load: spec -> space (default ``load_space(spec, corpus)``), so a page can pass its cached loader.
        progress: called with (share done 0..1, what runs now).
        sections: where the evaluation's sections come from when it is not given (``evaluation.Sections``; the
            app passes its caches, so the Evaluate page's numbers are the verdict's).

    Returns:
        The :class:`Verdict`.

    Raises:
        EmbedLabError: no candidate, a spec that does not load, or an evaluation that cannot run.
    """
    report = progress or _quiet
    names = list(dict.fromkeys(name for name in candidates if name != baseline))
    if not names:
        raise EmbedLabError(f"the verdict needs a candidate besides the baseline ({baseline}): choose one")
    labels = space_labels([*names, baseline], judged_on=corpus.id)  # "trained on X, judged on Y" where it applies
    loaded = _load_spaces(corpus, [*names, baseline], labels, load, report)
    health = {name: space_health(space) for name, space in loaded.items()}
    if evaluated is None:
        evaluated = _evaluate(corpus, loaded, baseline, labels, sections, report)
    report(_EVALUATED, "comparing neighbourhoods with the baseline")
    # the English baseline as the reference for general German would call German's own words domain language
    foreign_reference = baseline_language_note(corpus, [baseline]) is not None
    domains = {} if foreign_reference else _domain_languages(corpus, loaded, baseline, labels, comparisons, report)
    report(_EVALUATED + 0.05, "each candidate against the baseline, with 95% intervals")
    headlines = _use_headlines(corpus, evaluated, baseline, labels)
    recommended = next(
        (line.winner for use in RECOMMENDING_USES if (line := headline_for(headlines, use)).winner is not None),
        baseline,
    )
    report(_EVALUATED + 0.1, "coverage")
    sizes = {found.space: _smallest_within(found.sweep) for found in evaluated.spaces}
    headlines.append(_memory_headline(recommended, sizes, labels))
    kinds = {name: candidate_kind(name) for name in [*names, baseline]}
    reasons = {
        ReasonKey.DOMAIN_LANGUAGE: (
            _no_general_reference(corpus) if foreign_reference else _domain_reason(domains, labels)
        ),
        ReasonKey.LIMITED_DATA: _limited_data_reason(evaluated, corpus, kinds, labels),
        ReasonKey.OOV: _coverage_reason(list(loaded.values()), corpus, labels),
        ReasonKey.TASK_CONTEXT: _retrieval_reason(evaluated, headline_for(headlines, Use.RETRIEVAL)),
        ReasonKey.DIMENSIONALITY: _dimensionality_reason(sizes, labels),
        ReasonKey.BIAS: _bias_reason(evaluated, labels),
        ReasonKey.MULTIMODAL: _multimodal_reason(),
        ReasonKey.PRIVACY: _privacy_reason(list(loaded.values())),
        ReasonKey.TASK_PERFORMANCE: _task_reason(evaluated, corpus, headline_for(headlines, Use.LABEL_TASK)),
    }
    report(1.0, "done")
    return Verdict(
        corpus.id,
        corpus.name,
        baseline,
        tuple(names),
        dict(labels),
        tuple(headlines),
        {key: reasons[key] for key in REASONS},
        health,
        _too_small(corpus),
        recommended,
        judged_elsewhere=corpus_mismatches([*names, baseline], corpus.id),
        languages=corpus_languages(corpus),
        language_note=baseline_language_note(corpus, [*names, baseline]) or "",
    )


def _load_spaces(
    corpus: Corpus,
    order: Sequence[str],
    labels: Mapping[str, str],
    load: Callable[[str], EmbeddingSpace] | None,
    report: Progress,
) -> dict[str, EmbeddingSpace]:
    """Each space of ``order`` loaded (with ``load`` when given), the bar moving up to ``_LOADING`` as they do."""
    report(0.0, "loading the spaces")

    def loader(number: int, spec: str) -> EmbeddingSpace:
        if load is not None:
            return load(spec)
        # MiniLM encodes the corpus's words as it loads: the bar moves while it does
        said = f"loading {labels[spec]}"
        return load_space(spec, corpus, lambda done: report(_LOADING * (number + done) / len(order), said))

    return {name: loader(number, name) for number, name in enumerate(order)}


def _evaluate(
    corpus: Corpus,
    loaded: Mapping[str, EmbeddingSpace],
    baseline: str,
    labels: Mapping[str, str],
    sections: evaluation.Sections | None,
    report: Progress,
) -> evaluation.Evaluation:
    """The evaluation the verdict reads (:func:`evaluation_options`), the baseline first, its progress mapped onto
    ``_LOADING`` .. ``_EVALUATED`` with the section and step that runs."""
    said: dict[str, str] = {}

    def step(found: evaluation.EvaluationStep) -> None:
        if found.message:  # a section starts; the steps within it keep saying what runs
            said[found.space] = f"evaluating {labels.get(found.space, found.space)}: {found.message}"
        report(_LOADING + (_EVALUATED - _LOADING) * found.done, said.get(found.space, "evaluating"))

    return evaluation.evaluate_spaces(
        [loaded[baseline], *(space for name, space in loaded.items() if name != baseline)],
        corpus,
        evaluation_options(list(loaded.values()), corpus),
        progress=step,
        sections=sections,
    )


def _domain_languages(
    corpus: Corpus,
    loaded: Mapping[str, EmbeddingSpace],
    baseline: str,
    labels: Mapping[str, str],
    comparisons: Mapping[str, tuple[Any, pd.DataFrame]] | None,
    report: Progress,
) -> dict[str, DomainLanguage]:
    """Domain language of each static candidate against the baseline (a sentence-transformer reads its words as the
    baseline does, so it has none), reusing the Compare page's What changed where given."""
    names = [name for name in loaded if name != baseline]
    own_words = function_words(code for code, _ in corpus_languages(corpus).shares)  # never "domain language"
    domains = {}
    for number, name in enumerate(names, 1):
        space = loaded[name]
        if space.encoder is not None:
            continue
        frame = (comparisons or {}).get(name, (None, None))[1]
        if frame is None and needs_comparison(space, loaded[baseline]):
            frame = analysis.compare_spaces(space, loaded[baseline], K, COMPARE.m, seed=COMPARE.seed)[1]
        domains[name] = domain_language(space, loaded[baseline], K, frame, exclude=own_words)
        report(_EVALUATED + 0.05 * number / len(names), f"domain language of {labels[name]}")
    return domains


def _use_headlines(
    corpus: Corpus, evaluated: evaluation.Evaluation, baseline: str, labels: Mapping[str, str]
) -> list[Headline]:
    """The headlines of the measured uses (word similarity, retrieval, the label task), each from the candidates'
    differences with ``baseline`` on its measure, Holm-adjusted over every test of the table."""
    differences = evaluated.differences_from(baseline)  # the chosen baseline, even when MiniLM is a candidate
    tests = int(differences["p_adjusted"].notna().sum())
    similar = _similarity_measure(evaluated)
    missing = {
        Use.WORD_SIMILARITY: "no candidate knows enough of the benchmark's words to compare; add your own pairs on "
        "the Evaluate page",
        Use.RETRIEVAL: evaluated.held_out.note
        or "the corpus has no held-out sentence pairs; add documents of several sentences",
        Use.LABEL_TASK: _no_task(corpus, evaluation.label_fine_tunes(evaluated.held_out.fine_tunes)),
    }
    measures = {Use.WORD_SIMILARITY: similar, Use.RETRIEVAL: RETRIEVAL_MRR, Use.LABEL_TASK: TASK_ACCURACY}
    names = {Use.LABEL_TASK: "label task accuracy"}
    return [
        _headline(
            use,
            measure.rows(differences),
            names.get(use, measure.label),
            baseline,
            labels,
            missing[use],
            tests,
        )
        for use, measure in measures.items()
    ]


def _too_small(corpus: Corpus) -> str:
    """The sentence that says the corpus is too small for any claim (below :data:`MIN_TOKENS`); else ""."""
    if corpus.stats.tokens >= MIN_TOKENS:
        return ""
    return (
        f"This corpus is too small for any claim: {corpus.stats.tokens:,} tokens, where a trained space's "
        f"neighbours start to mean something at about {MIN_TOKENS:,}. Add text; until then read what follows as "
        "anecdotes."
    )


__all__ = ["build_verdict", "candidate_kind", "evaluation_options", "needs_comparison", "seed_advice"]
