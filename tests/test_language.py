"""The corpus's own language (embedlab.corpus.language): the languages of German, French, Japanese, English and
mixed texts with their shares; stored with the corpus and read lazily for corpora stored before; typical words
against the corpus's own language; and the one note that the baseline is an English model."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from conftest import ROOT, make_space

from embedlab import corpus, spaces
from embedlab.corpus import language
from embedlab.corpus.tokens import tokenize
from embedlab.spaces.language import baseline_language, language_note
from embedlab.verdict import domain_language

FRENCH = (ROOT.parent / "shared" / "cases" / "c08-french-nfd.txt").read_bytes()

GERMAN_NOUNS = "Paket Dienst Datei Rechner Kernel Treiber Speicher Netzwerk Benutzer Fehler Quelle Sicherung".split()
GERMAN_SENTENCES = [
    "Die {a} wird nach der Installation des Systems automatisch gestartet.",
    "Bevor Sie den {a} ändern, sollten Sie eine Sicherung der {b} anlegen.",
    "Der {a} ist für die Verwaltung der {b} zuständig und läuft im Hintergrund.",
    "Wenn ein {a} auftritt, lesen Sie bitte zuerst die Protokolldatei des {b}.",
    "Mit diesem Befehl können Sie den {a} und die {b} gleichzeitig aktualisieren.",
    "Das Programm zeigt alle {a} an, die auf dem {b} installiert sind.",
]
ENGLISH_SENTENCES = [
    "The {a} is started automatically after the system has been installed.",
    "Before you change the {a}, make a backup copy of the {b} first.",
    "The {a} manages the {b} and keeps running in the background.",
    "When an {a} occurs, please read the log file of the {b} before anything else.",
]
ENGLISH_NOUNS = "package service file computer kernel driver memory network user error source backup".split()
JAPANESE = (
    "日本語の文章を解析するためには、形態素解析が必要です。このマニュアルでは、システムの設定方法について説明します。"
    "パッケージをインストールした後、設定ファイルを編集してください。サービスを再起動すると、変更が反映されます。"
)


def _text(templates: list[str], nouns: list[str], sentences: int, seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(templates).format(a=rng.choice(nouns), b=rng.choice(nouns)) for _ in range(sentences))


def german(sentences: int = 12, seed: int = 0) -> str:
    return _text(GERMAN_SENTENCES, GERMAN_NOUNS, sentences, seed)


def english(sentences: int = 12, seed: int = 0) -> str:
    return _text(ENGLISH_SENTENCES, ENGLISH_NOUNS, sentences, seed)


def _tokens(text: str) -> list[str]:
    """A document as the corpus stores it: sentences of tokens joined by spaces (lowercased, segmented)."""
    return [" ".join(sentence) for sentence in tokenize(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (german(), "de"),
        (FRENCH.decode("utf-8"), "fr"),
        (JAPANESE, "ja"),
        (english(), "en"),
    ],
    ids=["German", "French (NFD)", "Japanese (segmented)", "English"],
)
def test_one_language_texts_are_identified_from_their_stored_tokens(text, expected):
    found = language.identify_texts([_tokens(text)])
    assert found.main == expected and found.shares == ((expected, 1.0),)
    assert found.passages >= 1 and found.method == "py3langid 0.4.0"


def test_japanese_is_identified_on_its_words_rejoined_as_written():
    stored = _tokens(JAPANESE)
    assert " " in stored[0]  # the segmenter's spaces: 日本語 の 文章 を …
    assert language._rejoined(stored[0]) == stored[0].replace(" ", "")  # every space sat between two Japanese letters
    assert language._rejoined("ssh の 設定 using ssh") == "ssh の設定 using ssh"  # Latin words keep their spaces


def test_a_mixed_corpus_gets_each_language_with_its_share_of_tokens():
    documents = [_tokens(german(seed=i)) for i in range(30)] + [_tokens(english(seed=i)) for i in range(10)]
    found = language.identify_texts(documents)
    assert [code for code, _ in found.shares] == ["de", "en"]
    tokens = {"de": sum(len(s.split()) for d in documents[:30] for s in d)}
    tokens["en"] = sum(len(s.split()) for d in documents[30:] for s in d)
    expected = tokens["de"] / (tokens["de"] + tokens["en"])
    assert found.share("de") == pytest.approx(expected, abs=0.02)
    assert found.share("en") == pytest.approx(1 - expected, abs=0.02)
    assert found.describe() == f"German {found.share('de'):.0%}, English {found.share('en'):.0%}"
    assert found.mostly_english is False


def test_a_language_under_five_percent_is_not_listed():
    documents = [_tokens(german(seed=i)) for i in range(40)] + [_tokens(english(1, seed=1))]
    found = language.identify_texts(documents)
    assert found.shares == (("de", 1.0),) or [code for code, _ in found.shares] == ["de"]
    assert found.share("en") == 0.0 and found.share("de") > 0.95


def test_a_big_corpus_is_sampled_with_a_seed():
    documents = [_tokens(german(3, seed=i)) for i in range(300)] + [_tokens(english(3, seed=i)) for i in range(100)]
    first = language.identify_texts(documents, sample=50, seed=3)
    again = language.identify_texts(documents, sample=50, seed=3)
    assert first == again and first.passages == 50
    assert first.main == "de" and 0.6 < first.share("de") < 0.9


def test_text_without_letters_is_not_identified():
    found = language.identify_texts([["12 345 678", "3.14 2.71"]])
    assert found.shares == () and found.main is None and found.mostly_english is None
    assert found.describe() == "not identified"


def test_the_languages_are_stored_with_the_corpus_and_read_lazily_for_older_corpora(fresh_home):
    stored = corpus.build_corpus("handbuch.txt", "\n\n".join(german(seed=i) for i in range(20)).encode())
    assert stored.stats.languages is not None and stored.stats.languages.main == "de"
    assert corpus.load_corpus(stored.id).stats.languages == stored.stats.languages  # meta.json round trip
    # a corpus stored before languages were identified: its meta.json has no "languages"
    meta_path = stored.path / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    del meta["stats"]["languages"]
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    older = corpus.load_corpus(stored.id)
    assert older.stats.languages is None
    assert corpus.corpus_languages(older) == stored.stats.languages  # the same answer, from the sentence file


@pytest.mark.slow
def test_a_german_corpus_s_typical_words_come_from_german_frequencies_without_its_function_words(fresh_home):
    stored = corpus.build_corpus("handbuch.txt", "\n\n".join(german(seed=i) for i in range(60)).encode())
    found = corpus.typical_words(stored, n=12)
    assert found.language == "de" and found.reference == "general German" and not found.reason
    assert found.words and not {"die", "der", "des", "und", "ist", "sie", "wird", "den", "mit"} & set(found.words)
    assert not corpus.function_words(["de"]).isdisjoint(stored.counts)  # the corpus is full of them
    assert "protokolldatei" in found.words  # rare in general German, frequent here
    # read against general English instead, German's function words are "typical": what the issue saw
    assert {"der", "und", "sie"} <= set(corpus.distinctive_words(stored.counts, n=12, language="en"))


def test_a_language_wordfreq_lacks_has_no_typical_words_and_says_why(fresh_home):
    welsh = (
        "Mae'r gath yn cysgu ar y gwely yn yr ystafell wely. Rydw i'n hoffi darllen llyfrau Cymraeg gyda'r nos. "
        "Roedd y tywydd yn braf iawn ddoe felly aethon ni i'r traeth gyda'r plant. Bydd y siop ar gau yfory. "
    )
    stored = corpus.build_corpus("cymraeg.txt", (welsh * 10).encode())
    assert corpus.corpus_languages(stored).main == "cy"
    found = corpus.typical_words(stored)
    assert found.words == [] and found.language is None
    assert found.reason == "no typical words: the corpus's language, Welsh, has no general word frequencies in wordfreq"


@pytest.mark.parametrize(("code", "listed"), [("de", "de"), ("no", "nb"), ("sr", "sh"), ("cy", None), ("ga", None)])
def test_wordfreq_lists_are_matched_only_to_the_same_language(code, listed):
    assert corpus.wordfreq_language(code) == listed  # Welsh and Irish are never read against English


def test_the_baseline_is_an_english_model_by_its_own_model_card():
    assert baseline_language() == "en"


def test_the_baseline_note_is_for_a_mostly_foreign_corpus_with_the_baseline_on_show(fresh_home):
    german_corpus = corpus.build_corpus("handbuch.txt", "\n\n".join(german(seed=i) for i in range(20)).encode())
    english_corpus = corpus.build_corpus("manual.txt", "\n\n".join(english(seed=i) for i in range(20)).encode())
    note = spaces.baseline_language_note(german_corpus)
    assert note == (
        "The MiniLM baseline (all-MiniLM-L6-v2) is an English model and this corpus is mostly German (German 100%): "
        "its neighbours, scores and coverage here show how an English model reads this text, not how a model made "
        "for its language would; weigh any recommendation of it with that in mind."
    )
    assert spaces.baseline_language_note(german_corpus, ["baseline@context", "run-20260101-120000-abc123"]) == note
    assert spaces.baseline_language_note(german_corpus, ["run-20260101-120000-abc123", "vectors:de.vec"]) is None
    assert spaces.baseline_language_note(english_corpus, ["baseline"]) is None


def test_the_note_for_english_under_half_says_so():
    found = language.CorpusLanguages((("en", 0.45), ("de", 0.4), ("fr", 0.15)), 100, "py3langid 0.4.0")
    note = language_note(found)
    assert note is not None and "less than half of this corpus is English (English 45%, German 40%, French 15%)" in note
    assert language_note(language.CorpusLanguages((("en", 0.6), ("de", 0.4)), 100, "x")) is None
    assert language_note(language.CorpusLanguages((), 0, "x")) is None


def test_the_corpus_s_function_words_are_never_checked_for_domain_language():
    rng = np.random.default_rng(0)
    words = ["die", "kernel", *[f"w{i}" for i in range(60)]]
    counts = np.full(len(words), 100)
    general = rng.normal(size=(len(words), 8))
    here = general.copy()
    here[0] = -general[0] + rng.normal(scale=0.01, size=8)  # "die" moved to the far side: a planted shift
    candidate, baseline = make_space(words, here, "run", counts), make_space(words, general, "baseline", counts)
    assert "die" in {found.word for found in domain_language(candidate, baseline, 5).shifted}
    kept = domain_language(candidate, baseline, 5, exclude=corpus.function_words(["de"]))
    assert "die" not in {found.word for found in kept.shifted} and kept.checked == len(words) - 1
