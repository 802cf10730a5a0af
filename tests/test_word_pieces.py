"""The baseline's word pieces come from its own tokenizer.json without transformers or torch (about 200 MB less
for the verdict and Evaluate, issue 24.3), and they are the pieces transformers' tokenizer gives."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT

WORDS = [
    "tensor",
    "tensordot",
    "tensor.py",
    "per-tensor",
    "eigendecomposition",
    "naïve",
    "Ünïcode",
    "日本語",
    "ﬁle",
    "x" * 300,
    "",
    " ",
    "don't",
    "C++",
]


@pytest.mark.slow
def test_word_pieces_equal_transformers_tokenizer():
    from embedlab.spaces import baseline

    reference = baseline._tokenizer()  # transformers' fast tokenizer of the bundled model
    expected = np.array([len(ids) for ids in reference(WORDS, add_special_tokens=False)["input_ids"]])
    assert baseline.piece_counts(WORDS).tolist() == expected.tolist()
    assert [baseline.word_pieces(word) for word in WORDS] == [reference.tokenize(word) for word in WORDS]
    assert baseline.word_pieces("eigendecomposition")[0] == "e" and baseline.piece_counts([]).shape == (0,)


@pytest.mark.slow
def test_counting_word_pieces_imports_neither_transformers_nor_torch():
    code = (
        "import sys; from embedlab.spaces import baseline; "
        "assert baseline.piece_counts(['tensordot', 'the']).tolist() == [2, 1]; "
        "baseline.word_pieces('tensordot'); "
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
