#!/usr/bin/env python
"""Segmentation: the corpus tokeniser on Chinese, Japanese and Thai text against ICU's word breaker called directly.

For each script the same documents (paragraphs of sentences made of common words, written without spaces, as
these scripts are) go through:

* ``raw``: ``icu4py.breakers.WordBreaker(document, "und")``, keeping the segments that hold a letter or digit:
  what the segmentation costs at least;
* ``app``: ``embedlab.corpus.tokenize(document)``: NFC check, lowercasing, sentences, the word pattern, and ICU on
  the tokens in these scripts (what ``build_corpus`` does for each document).

Both count the words they find; the table shows tokens per second and app time / raw time. Usage::

    python bench/segmentation.py [--quick] [--repeats R]
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

_common.pin_threads()

NAME = "segmentation"
RATIO_GOAL = 2.0  # the tokeniser may spend as long again as ICU on everything else it does to a document

# Common words of each script, joined without spaces; sentence stops as each script writes them.
WORDS = {
    "Chinese": (
        "我们 你们 他们 今天 明天 天气 很好 喜欢 学习 中文 北京 上海 城市 工作 时间 问题 因为 所以 但是 已经 "
        "可以 需要 知道 朋友 老师 学生 学校 公司 电脑 手机 经济 发展 国家 政府 社会 文化 历史 研究 数据 系统"
    ).split(),
    "Japanese": (
        "私 あなた 東京 大阪 日本語 勉強 します 今日 明日 天気 とても 良い 会社 学校 先生 学生 友達 時間 問題 "
        "です ます から まで 電車 駅 本 読む 書く 話す 聞く コーヒー テレビ コンピュータ データ システム 研究 経済"
    ).split(),
    "Thai": (
        "ภาษา ไทย เป็น ที่ สวยงาม ผม ชอบ กิน ข้าว วันนี้ อากาศ ดี มาก ประเทศ เมือง กรุงเทพ ทำงาน เวลา ปัญหา "
        "เพราะ แต่ ได้ ต้อง รู้ เพื่อน ครู นักเรียน โรงเรียน บริษัท คอมพิวเตอร์ ข้อมูล ระบบ เศรษฐกิจ สังคม"
    ).split(),
}
STOP = {"Chinese": "。", "Japanese": "。", "Thai": " "}


def documents(script: str, characters: int, seed: int = 0) -> list[str]:
    """Paragraphs of 8 sentences of 12 words each, about ``characters`` characters in all."""
    rng = random.Random(seed)
    words, stop = WORDS[script], STOP[script]
    out: list[str] = []
    total = 0
    while total < characters:
        document = "".join("".join(rng.choices(words, k=12)) + stop for _ in range(8))
        out.append(document)
        total += len(document)
    return out


def _raw(texts: list[str]) -> int:
    import regex
    from icu4py.breakers import WordBreaker

    wordlike = regex.compile(r"[\p{L}\p{N}]")
    return sum(1 for text in texts for piece in WordBreaker(text, "und") if wordlike.search(piece))


def _app(texts: list[str]) -> int:
    from embedlab.corpus import tokenize

    return sum(len(sentence) for text in texts for sentence in tokenize(text))


def main(argv: list[str] | None = None) -> int:
    parser = _common.parser(__doc__.split("\n\n")[0])
    args = parser.parse_args(argv)
    characters = 200_000 if args.quick else 1_000_000
    repeats = args.repeats or 3
    report = _common.Report(NAME, "Segmentation (scripts without spaces)", _common.command_line("segmentation.py"))
    details = {}
    _app(documents("Thai", 1000))  # imports and ICU's data mapped before anything is timed
    _raw(documents("Thai", 1000))
    for script in WORDS:
        texts = documents(script, characters)
        counts: dict[str, int] = {}

        def timed(side: str, call, texts=texts, counts=counts) -> float:
            started = time.perf_counter()
            counts[side] = call(texts)
            return time.perf_counter() - started

        sides = _common.interleaved(
            repeats, {"raw": lambda: timed("raw", _raw), "app": lambda: timed("app", _app)}, label=f"{script} "
        )
        raw_s, app_s = _common.median(sides["raw"]), _common.median(sides["app"])
        ratio = app_s / raw_s
        report.rows.append(
            _common.Row(
                f"{script}, {characters / 1e6:g}M characters: tokens per second",
                f"{counts['raw'] / raw_s:,.0f}/s",
                f"{counts['app'] / app_s:,.0f}/s",
                ratio,
                f"<= {RATIO_GOAL:g}x",
                ratio <= RATIO_GOAL,
            )
        )
        details[script] = {"documents": len(texts), "raw_tokens": counts["raw"], "app_tokens": counts["app"]}
        details[script] |= {"raw_s": sides["raw"], "app_s": sides["app"]}
    report.notes = [
        f"Median of {repeats} interleaved runs in one process. raw = icu4py's WordBreaker over each document, "
        "segments holding a letter or digit kept; app = embedlab.corpus.tokenize (NFC check, lowercase, sentence "
        "split, word pattern, ICU on the tokens in these scripts).",
        "Token counts: "
        + "; ".join(f"{name}: raw {d['raw_tokens']:,}, app {d['app_tokens']:,}" for name, d in details.items())
        + " (the app splits sentences first, so ICU never joins words across a sentence stop).",
    ]
    report.details = details
    report.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
