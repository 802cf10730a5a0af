"""Texts longer than gensim trains on (transcripts, code, lists without sentence ends): cut when stored, every
token kept and trained."""

from __future__ import annotations

import random

import pytest

from embedlab.corpus import build_corpus
from embedlab.corpus.tokens import MAX_SENTENCE_TOKENS, TokenizeReport, _within_limit


def test_pieces_are_well_under_gensims_batch():
    from gensim.models.word2vec import MAX_WORDS_IN_BATCH

    assert MAX_SENTENCE_TOKENS * 10 <= MAX_WORDS_IN_BATCH


def test_a_long_sentence_is_cut_into_pieces_of_at_most_the_limit_in_order():
    report = TokenizeReport()
    long = [f"w{i}" for i in range(2_450)]
    pieces = _within_limit([["short", "one"], long, ["end"]], report)
    assert [len(p) for p in pieces] == [2, 1_000, 1_000, 450, 1]
    assert [token for piece in pieces[1:4] for token in piece] == long  # every token, in order
    assert report.split_sentences == 1
    assert _within_limit([long[:MAX_SENTENCE_TOKENS]], report) == [long[:MAX_SENTENCE_TOKENS]]  # at the limit: whole
    assert report.split_sentences == 1


def _transcripts(seed: int = 13) -> tuple[str, list[list[str]]]:
    """Two texts of 18,000 tokens with no sentence end: 12,000 of 200 filler words, then 8 topics of 5 words that
    occur only together (the second text's topics named apart), blank-line separated."""
    rand = random.Random(seed)
    filler = [f"f{a}{b}{c}" for a in "bcdghklmnprstvz" for b in "aeiou" for c in ("", "x", "q")][:200]
    texts, topics = [], []
    for prefix in "tu":
        mine = [[f"{prefix}{t}w{i}" for i in range(5)] for t in range(8)]
        tokens = [rand.choice(filler) for _ in range(12_000)]
        for _ in range(1_200):
            tokens += rand.sample(rand.choice(mine), 5)
        texts.append(" ".join(tokens))
        topics += mine
    return "\n\n".join(texts), topics


@pytest.fixture
def transcript_corpus(fresh_home):
    text, topics = _transcripts()
    return build_corpus("transcript.txt", (text + "\n\nA short last document. It ends here.\n").encode()), topics


def test_transcripts_are_stored_in_pieces_with_every_token_and_a_notice(transcript_corpus):
    corpus, _ = transcript_corpus
    lines = corpus.sentences_path.read_text(encoding="utf-8").splitlines()
    assert [len(line.split()) for line in lines] == [1_000] * 36 + [4, 3]
    assert corpus.stats.tokens == 36_007 and corpus.stats.split_sentences == 2
    assert [len(document) for document in corpus.documents()] == [18, 18, 2]  # pieces stay in their document
    (notice,) = [n for n in corpus.notices if "without a sentence end" in n]
    assert notice.startswith("2 texts ran longer than 1,000 tokens") and "no token was dropped" in notice


@pytest.mark.slow
def test_words_seen_only_after_token_10000_are_trained(transcript_corpus):
    from embedlab.analysis import nearest
    from embedlab.spaces import load_space
    from embedlab.training import TrainConfig, train_run

    corpus, topics = transcript_corpus
    run = train_run(corpus, TrainConfig(dim=24, min_count=1, epochs=5, workers=2, seed=3))
    space = load_space(run.id, corpus)
    # Stored whole (or cut at 10,000), these words kept their random start: 0 or 1 mate in their top 4. Trained,
    # at least 2 (two training threads make the exact count vary between 2 and 4).
    for topic in topics:
        mates = {n.word for n in nearest(space, topic[0], 4)}
        assert len(mates & set(topic[1:])) >= 2, (topic, mates)
