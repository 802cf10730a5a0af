"""Every script and form stays whole: combining marks (NFC at ingest and query), scripts written without spaces
(ICU segmentation, named in the stats), identifiers and technical terms, and queries typed differently from the
corpus. Issue 14, kinds 1, 2, 3 and 7."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pytest
from conftest import make_space
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embedlab import analysis
from embedlab.cli import main
from embedlab.corpus import TokenizeOptions, build_corpus, normalise_query, tokenize
from embedlab.corpus import segment as segmenting
from embedlab.corpus.tokens import _FAST_WORD, WORD
from embedlab.errors import EmbedLabError
from embedlab.training import TrainConfig
from embedlab.training.word2vec import _check_vocabulary

SEGMENTER = "ICU 78.3 word break (icu4py 1.2.0)"  # the pinned icu4py's ICU: a new one may segment differently


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# --- kind 1: combining marks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        (nfd("Crème brûlée au café"), ["crème", "brûlée", "au", "café"]),  # decomposed, as macOS and PDFs give
        ("हिन्दी भाषा में किताबें", ["हिन्दी", "भाषा", "में", "किताबें"]),  # vowel signs, virama, anusvara
        ("தமிழ் மொழி இலக்கியம்", ["தமிழ்", "மொழி", "இலக்கியம்"]),
        ("বাংলা ভাষার ব্যাকরণ", ["বাংলা", "ভাষার", "ব্যাকরণ"]),
        ("שָׁלוֹם עוֹלָם", ["שָׁלוֹם", "עוֹלָם"]),  # Hebrew with points
        ("مُحَمَّدٌ رَسُولُ", ["مُحَمَّدٌ", "رَسُولُ"]),  # Arabic with harakat
        ("می\u200cخواهم بروم", ["می\u200cخواهم", "بروم"]),  # Persian: the zero-width non-joiner inside a word
        ("Ру́сский язы́к", ["ру́сский", "язы́к"]),  # Russian with stress marks
        (nfd("Tiếng Việt"), ["tiếng", "việt"]),  # two marks on one letter
        (nfd("한국어 문장"), ["한국어", "문장"]),  # Hangul in jamo: NFC composes the syllables
    ],
)
def test_words_with_combining_marks_come_out_whole_and_nfc(text, expected):
    assert tokenize(text) == [expected]
    assert all(unicodedata.is_normalized("NFC", token) for token in expected)


FRENCH_WORDS = (
    "café crème résumé naïve noël garçon hôpital forêt thé été élève école déjà très fenêtre bière pâte marché "
    "maïs français un une le la et est dans sur avec pour"
).split()


def test_french_in_nfd_keeps_its_30_words_with_a_notice(fresh_home):
    import random

    rand = random.Random(8)  # 300 lines of French in NFD, as macOS file names and PDF extraction give
    lines = [" ".join(rand.choice(FRENCH_WORDS) for _ in range(rand.randint(4, 10))) + "." for _ in range(300)]
    lines[0] = " ".join(FRENCH_WORDS) + "."  # every word at least once
    corpus = build_corpus("french-nfd.txt", nfd("\n".join(lines)).encode())
    assert corpus.stats.types == 30 and set(corpus.counts) == set(FRENCH_WORDS)
    assert all(unicodedata.is_normalized("NFC", word) for word in corpus.counts)
    changed = sum(1 for line in lines if nfd(line) != line)
    assert changed > 250  # nearly every line holds an accented word
    assert corpus.notices == (
        f"{changed} of 300 documents were not in Unicode normal form C (accents written as separate combining marks, as "
        "macOS file names and PDF text give): they were normalised to NFC, so each word counts once however its "
        "accents were typed; searches are normalised the same way",
    )
    assert normalise_query(nfd("café"), corpus.options["tokenize"]) == "café"
    assert corpus.stats.segmenter is None


def test_the_notice_counts_only_the_documents_that_changed(fresh_home):
    text = f"{nfd('Un café noir.')}\n\nUn café noir.\n\nA plain line.\n"
    corpus = build_corpus("mixed.txt", text.encode())
    assert corpus.counts["café"] == 2 and corpus.stats.types == 6  # un café noir a plain line
    assert corpus.notices[0].startswith("1 of 3 documents were not in Unicode normal form C")


def test_text_already_in_nfc_gets_no_notice(fresh_home):
    assert build_corpus("nfc.txt", "Un café noir. हिन्दी भाषा.".encode()).notices == ()


# --- property: words of many scripts come out whole -------------------------------------------------------------


def _chars(*ranges: tuple[int, int]) -> list[str]:
    return [chr(c) for start, end in ranges for c in range(start, end + 1) if unicodedata.category(chr(c))[0] in "LM"]


# (letters, marks) of spaced scripts; each word is letters, each followed by up to 2 marks.
SPACED_SCRIPTS = {
    "latin": (_chars((0x61, 0x7A), (0x41, 0x5A), (0xE0, 0xFF)), _chars((0x300, 0x333))),
    "devanagari": (_chars((0x915, 0x939)), _chars((0x901, 0x903), (0x93E, 0x94D))),
    "hebrew": (_chars((0x5D0, 0x5EA)), _chars((0x5B0, 0x5BC), (0x5C1, 0x5C2))),
    "arabic": (_chars((0x628, 0x64A)), _chars((0x64B, 0x652))),
    "cyrillic": (_chars((0x430, 0x44F), (0x410, 0x42F)), _chars((0x301, 0x301), (0x306, 0x306))),
    "hangul-jamo": (_chars((0x1100, 0x1112)), _chars((0x1161, 0x1175))),  # vowels are letters, NFC composes
    "tamil": (_chars((0xB95, 0xBB9)), _chars((0xBBE, 0xBCD))),
}


@st.composite
def spaced_word(draw, script: str | None = None) -> str:
    name = script or draw(st.sampled_from(sorted(SPACED_SCRIPTS)))
    letters, marks = SPACED_SCRIPTS[name]
    parts = draw(
        st.lists(
            st.tuples(st.sampled_from(letters), st.lists(st.sampled_from(marks), max_size=2)), min_size=1, max_size=6
        )
    )
    return "".join(letter + "".join(m) for letter, m in parts)


def _as_stored(word: str, lowercase: bool) -> str:
    word = unicodedata.normalize("NFC", word)
    return unicodedata.normalize("NFC", word.lower()) if lowercase else word


PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@PROPERTY
@given(st.lists(spaced_word(), min_size=1, max_size=8), st.booleans(), st.sampled_from([" ", ", ", "\t", " - "]))
def test_words_from_letters_and_marks_of_many_scripts_come_out_whole_and_nfc(words, lowercase, separator):
    tokens = tokenize(separator.join(words) + ".", lowercase)
    assert tokens == [[_as_stored(word, lowercase) for word in words]]
    assert all(unicodedata.is_normalized("NFC", token) for token in tokens[0])


@pytest.mark.slow
@PROPERTY
@given(st.lists(spaced_word(), min_size=1, max_size=8))
def test_words_in_nfd_and_nfc_give_the_same_tokens(words):
    text = " ".join(words)
    assert tokenize(nfd(text)) == tokenize(unicodedata.normalize("NFC", text))


THAI = (_chars((0xE01, 0xE2E)), _chars((0xE31, 0xE31), (0xE34, 0xE3A), (0xE47, 0xE4E)))


@pytest.mark.slow
@PROPERTY
@given(
    st.lists(
        st.tuples(st.sampled_from(THAI[0]), st.lists(st.sampled_from(THAI[1]), max_size=1)), min_size=1, max_size=12
    )
)
def test_thai_is_segmented_without_losing_a_character_or_cutting_a_mark_from_its_letter(parts):
    text = "".join(letter + "".join(marks) for letter, marks in parts)
    tokens = [token for sentence in tokenize(text) for token in sentence]
    assert "".join(tokens) == unicodedata.normalize("NFC", text)
    assert all(unicodedata.category(token[0])[0] != "M" for token in tokens), tokens


@PROPERTY
@given(st.text(st.characters(exclude_categories=("Mn", "Mc", "Me", "Cs")), max_size=200))
def test_the_fast_pattern_finds_what_the_full_one_finds_in_text_without_marks(text):
    text = text.replace("\u200c", "").replace("\u200d", "")
    # letters newer than Python's Unicode database (re's) but known to regex's: only CJK has them in use, and
    # text in CJK always takes the full pattern
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cn")
    assert _FAST_WORD.findall(text) == WORD.findall(text)


# --- kind 2: scripts written without spaces -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("我们喜欢学习中文。今天天气很好！", [["我们", "喜欢", "学习", "中文"], ["今天", "天气", "很好"]]),
        (
            "日本語の文章です。東京に住んでいます",
            [["日本語", "の", "文章", "です"], ["東京", "に", "住", "んで", "い", "ます"]],
        ),
        ("ภาษาไทยเป็นภาษาที่สวยงาม", [["ภาษา", "ไทย", "เป็น", "ภาษา", "ที่", "สวยงาม"]]),
        ("ພາສາລາວເປັນພາສາທີ່ສວຍງາມ", [["ພາສາ", "ລາວ", "ເປັນ", "ພາສາ", "ທີ່", "ສວຍງາມ"]]),
        ("ភាសាខ្មែរគឺជាភាសាផ្លូវការ", [["ភាសាខ្មែរ", "គឺជា", "ភាសាផ្លូវការ"]]),
        ("မြန်မာဘာသာစကားသည်", [["မြန်မာဘာသာ", "စကား", "သည်"]]),
        ("NumPy很好用，pandas.read_csv也是", [["numpy", "很好", "用", "pandas.read_csv", "也是"]]),
    ],
)
def test_scripts_without_spaces_are_split_into_words(text, expected):
    assert tokenize(text) == expected


def test_segment_drops_spaces_and_punctuation_and_names_itself():
    assert segmenting.segment("我爱北京天安门。") == ["我", "爱", "北京", "天安门"]
    assert segmenting.scripts_in("東京タワー and Bangkok กรุงเทพ") == ["Han", "Katakana", "Thai"]
    assert segmenting.scripts_in("plain English, naïve café") == []
    assert segmenting.segmenter_name() == SEGMENTER


CHINESE = "我们喜欢学习中文。今天天气很好。北京的天气很好。我们在北京学习中文。"


def test_a_chinese_corpus_names_its_segmenter_and_counts_words_not_clauses(fresh_home):
    corpus = build_corpus("zh.txt", "\n\n".join([CHINESE] * 5).encode())
    assert corpus.stats.segmenter == f"{SEGMENTER}: Han"
    assert corpus.counts == {
        "北京": 10,
        "天气": 10,
        "学习": 10,
        "很好": 10,
        "我们": 10,
        "中文": 10,
        "今天": 5,
        "喜欢": 5,
        "在": 5,
        "的": 5,
    }
    assert corpus.stats.sentences == 20
    assert (
        "text in scripts written without spaces (Han) was split into words by ICU 78.3 word break (icu4py 1.2.0); "
        "without it each clause would be one 'word'"
    ) in corpus.notices


def test_a_japanese_and_thai_corpus_names_each_script(fresh_home):
    corpus = build_corpus("ja-th.txt", "東京タワーに行きます。\n\nภาษาไทยสวยงาม\n".encode())
    assert corpus.stats.segmenter == f"{SEGMENTER}: Han, Hiragana, Katakana, Thai"


def test_the_min_count_hint_on_an_unspaced_corpus_points_at_words_seen_more_than_once(fresh_home):
    corpus = build_corpus("zh.txt", "\n\n".join([CHINESE] * 5).encode())
    with pytest.raises(EmbedLabError, match=r"try min_count=5$"):  # 10 words, each seen 5 or 10 times
        _check_vocabulary(corpus, TrainConfig(min_count=1000))


# --- kind 3: identifiers and technical terms ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Set shared_buffers and work_mem, then call read_csv.",
            [["set", "shared_buffers", "and", "work_mem", "then", "call", "read_csv"]],
        ),
        ("Use np.linalg.norm or pandas.read_csv here", [["use", "np.linalg.norm", "or", "pandas.read_csv", "here"]]),
        ("C++ and C# differ from F#.", [["c++", "and", "c#", "differ", "from", "f#"]]),
        ("Port it to .NET now", [["port", "it", "to", ".net", "now"]]),
        ("A std::vector<int> or boost::asio::ip", [["a", "std::vector", "int", "or", "boost::asio::ip"]]),
        ("Run with --no-lowercase and --phrases", [["run", "with", "--no-lowercase", "and", "--phrases"]]),
        ("Python 3.11.2 and v2.0 shipped", [["python", "3.11.2", "and", "v2.0", "shipped"]]),
        ("It costs 1,000.25 or 3,5 euros", [["it", "costs", "1,000.25", "or", "3,5", "euros"]]),
        # prose: the full stop still ends the word and the sentence
        ("The run ended. Then it began again.", [["the", "run", "ended"], ["then", "it", "began", "again"]]),
        ("See the end.", [["see", "the", "end"]]),
        # abbreviations with inner dots: one token without the final stop, and no sentence break after them
        ("Use a tool, e.g. grep, i.e. a search.", [["use", "a", "tool", "e.g", "grep", "i.e", "a", "search"]]),
        # dashes and underscores that are not inside a term split as before
        ("word--another -- and - so", [["word", "another", "and", "so"]]),
        ("_emphasis_ and __init__", [["emphasis", "and", "init"]]),
        ("Wait...what? Yes", [["wait", "what"], ["yes"]]),
        ("beta-blocker don't", [["beta-blocker", "don't"]]),
    ],
)
def test_technical_terms_are_kept_whole_and_prose_splits_as_before(text, expected):
    assert tokenize(text) == expected


def test_terms_keep_their_case_when_asked():
    assert tokenize("NumPy on .NET with C++ and std::Vector", lowercase=False) == [
        ["NumPy", "on", ".NET", "with", "C++", "and", "std::Vector"]
    ]


# --- kind 7: queries typed differently from the corpus --------------------------------------------------------


@pytest.mark.parametrize(
    "typed, options, expected",
    [
        ("VACUUM", None, "vacuum"),
        ("NumPy ", None, "numpy"),
        (" \tcafé\n", None, "café"),
        (nfd("Café"), None, "café"),
        ("NumPy", TokenizeOptions(lowercase=False), "NumPy"),
        (nfd("Café "), {"lowercase": False, "phrases": False, "unknown_later_key": 1}, "Café"),
        ("Pandas.Read_CSV", None, "pandas.read_csv"),
        ("C++", None, "c++"),
        ("end.", None, "end"),
        ("don\u2019t", None, "don't"),
        ("heart failure", TokenizeOptions(phrases=True), "heart_failure"),
        ("heart  failure", None, "heart failure"),  # not one token of the corpus: left for the "not found" message
        (" Two  Words ", None, "Two Words"),  # ... quoted as typed
        ("[Sign in](https://x.example)", None, "[Sign in](https://x.example)"),
        ("北京", None, "北京"),
        ("   ", None, ""),
    ],
)
def test_a_query_is_normalised_as_the_corpus_was(typed, options, expected):
    assert normalise_query(typed, options) == expected


def test_every_spelling_of_a_query_finds_the_corpus_word(fresh_home):
    corpus = build_corpus("db.txt", f"Run VACUUM on NumPy arrays at the {nfd('café')}.".encode())
    options = corpus.options["tokenize"]
    for typed in ["VACUUM", "vacuum ", "Vacuum", "NUMPY", " NumPy", "café", nfd("CAFÉ"), "café\n"]:
        assert normalise_query(typed, options) in corpus.counts, typed


def test_suggestions_match_whatever_the_case():
    space = make_space(["NumPy", "vacuum", "café", "table"], np.eye(4))
    with pytest.raises(EmbedLabError, match=r"did you mean NumPy\?"):
        analysis.nearest(space, "numpy")
    with pytest.raises(EmbedLabError, match=r"did you mean vacuum\?"):
        analysis.nearest(space, "VACUUM")
    with pytest.raises(EmbedLabError, match=r"did you mean café\?"):
        analysis.nearest(space, nfd("CAFÉ"))


def _vectors_file(path: Path, words: list[str]) -> Path:
    rows = np.eye(len(words))
    lines = [f"{len(words)} {len(words)}"] + [f"{w} " + " ".join(str(x) for x in row) for w, row in zip(words, rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_cli_word_is_normalised_like_the_corpus(tmp_path, capsys, fresh_home):
    import json

    vectors = _vectors_file(tmp_path / "v.txt", ["vacuum", "numpy", "café", "table", "index"])
    corpus = tmp_path / "c.txt"
    corpus.write_text("VACUUM the table. NumPy index. Café table.\n", encoding="utf-8")
    assert (
        main(["neighbors", "--space", f"vectors:{vectors}", "--word", " VACUUM ", "--corpus", str(corpus), "--json"])
        == 0
    )
    assert json.loads(capsys.readouterr().out)["word"] == "vacuum"
    # without a corpus: NFC and spaces only, the case kept (a vectors file may hold cased words)
    assert main(["neighbors", "--space", f"vectors:{vectors}", "--word", nfd("café "), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["word"] == "café"
    assert main(["neighbors", "--space", f"vectors:{vectors}", "--word", "NumPy", "--json"]) == 1
    assert "did you mean numpy?" in capsys.readouterr().err


@pytest.mark.slow
def test_the_block_prefilter_holds_every_letter_of_the_unspaced_scripts():
    exact = segmenting._NO_SPACE
    missed = [hex(c) for c in range(0x110000) if exact.match(chr(c)) and not segmenting._BLOCKS.match(chr(c))]
    assert missed == []
