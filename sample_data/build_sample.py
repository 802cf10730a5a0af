#!/usr/bin/env python3
"""Build the EmbedLab sample corpus from NumPy / SciPy / scikit-learn / pandas docstrings.

Every public function and class (and every public method of those classes) of a fixed
list of modules becomes one document: the prose of its docstring (summary, extended
description, parameter/return descriptions and Notes), with doctest examples, See Also,
References, maths and other reStructuredText markup removed, collapsed to one line.

Outputs (next to this script):
  scipy_docs.csv        columns name,label,text  (label = module area, e.g. scipy.linalg)
  scipy_docs_small.txt  the first documents of the CSV, one paragraph each (< 200 KB)

Usage:  python sample_data/build_sample.py
Only the standard library plus the installed numpy, scipy, scikit-learn and pandas are
needed.  The output depends only on the installed package versions (printed below).
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import inspect
import io
import re
import sys
import warnings
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent
CSV_PATH = OUT_DIR / "scipy_docs.csv"
SMALL_PATH = OUT_DIR / "scipy_docs_small.txt"

# label (module area) -> modules walked for it
LABELS: dict[str, list[str]] = {
    # NumPy
    "numpy": ["numpy"],
    "numpy.fft": ["numpy.fft"],
    "numpy.linalg": ["numpy.linalg"],
    "numpy.ma": ["numpy.ma"],
    "numpy.polynomial": [
        "numpy.polynomial",
        "numpy.polynomial.polynomial",
        "numpy.polynomial.chebyshev",
        "numpy.polynomial.legendre",
        "numpy.polynomial.hermite",
        "numpy.polynomial.hermite_e",
        "numpy.polynomial.laguerre",
    ],
    "numpy.random": ["numpy.random"],
    # pandas
    "pandas": ["pandas"],
    # SciPy
    "scipy.cluster": ["scipy.cluster.hierarchy", "scipy.cluster.vq"],
    "scipy.fft": ["scipy.fft"],
    "scipy.integrate": ["scipy.integrate"],
    "scipy.interpolate": ["scipy.interpolate"],
    "scipy.linalg": ["scipy.linalg"],
    "scipy.ndimage": ["scipy.ndimage"],
    "scipy.optimize": ["scipy.optimize"],
    "scipy.signal": ["scipy.signal"],
    "scipy.sparse": ["scipy.sparse", "scipy.sparse.csgraph"],
    "scipy.sparse.linalg": ["scipy.sparse.linalg"],
    "scipy.spatial": ["scipy.spatial", "scipy.spatial.distance", "scipy.spatial.transform"],
    "scipy.special": ["scipy.special"],
    "scipy.stats": ["scipy.stats"],
    # scikit-learn
    "sklearn.cluster": ["sklearn.cluster"],
    "sklearn.decomposition": ["sklearn.decomposition"],
    "sklearn.ensemble": ["sklearn.ensemble"],
    "sklearn.linear_model": ["sklearn.linear_model"],
    "sklearn.manifold": ["sklearn.manifold"],
    "sklearn.metrics": ["sklearn.metrics", "sklearn.metrics.pairwise", "sklearn.metrics.cluster"],
    "sklearn.model_selection": ["sklearn.model_selection"],
    "sklearn.neighbors": ["sklearn.neighbors"],
    "sklearn.preprocessing": ["sklearn.preprocessing"],
    "sklearn.svm": ["sklearn.svm"],
}

MAX_DOCS_PER_LABEL = 80  # balance labels and keep the CSV between 1.5 and 4 MB
MIN_WORDS = 20            # skip documents shorter than this (after cleaning)
MAX_WORDS = 400           # truncate very long docstrings (at a sentence end if possible)
SMALL_MAX_DOCS = 300
SMALL_MAX_BYTES = 195_000  # keep scipy_docs_small.txt under 200 KB

# numpydoc sections: keep only the indented description lines of these ...
DESCRIPTION_SECTIONS = {"parameters", "other parameters", "returns", "yields", "receives"}
# ... keep these as prose ...
PROSE_SECTIONS = {"notes", "warnings", "warning", "note"}
# ... and drop everything else (Examples, See Also, References, Attributes, Methods,
# Raises, Warns, Index, Exposes, Constants, ...).

# scikit-learn API plumbing whose docstrings are the same template on every estimator
SKIP_METHODS = re.compile(
    r"^(set_\w+_request|get_metadata_routing|get_params|set_params|set_output"
    r"|get_feature_names_out)$"
)

SECTION_UNDERLINE = re.compile(r"^\s*(-{3,}|={3,}|~{3,})\s*$")
SIGNATURE_LINE = re.compile(r"^[\w.]+\(.*\)(\s*->.*)?$")
DIRECTIVE = re.compile(r"^(\s*)\.\.\s+([\w:-]+)::(.*)$")
KEEP_DIRECTIVES = {"note", "warning", "attention", "caution", "important", "tip", "hint",
                   "admonition", "danger", "error"}
COMMENT_OR_TARGET = re.compile(r"^(\s*)\.\.(\s|$)")  # '.. [1] ...', '.. _label:', comments
ROLE = re.compile(r":(?:[\w-]+:)*[\w-]+:`([^`]*)`")
MATH_ROLE = re.compile(r":math:`([^`]*)`")
LITERAL = re.compile(r"``(.+?)``")
LINK = re.compile(r"`([^`<]+?)\s*<[^`>]*>`__?")
INTERPRETED = re.compile(r"`~?([^`]+)`_{0,2}")
CITATION = re.compile(r"\s*\[[\w.-]+\]_|\s\[\d{1,2}\](?=[\s,.;:)])")
GALLERY_REF = re.compile(r":ref:`[^`]*sphx_glr[^`]*`")   # links into the example gallery
GALLERY_SENTENCE = re.compile(r"[^.\u2029]*GALLERYREF[^.\u2029]*\.?")
PARA_SEP = "\n\u2029\n"
URL = re.compile(r"<?https?://\S+>?")
STRONG = re.compile(r"\*\*(\S(?:[^*]*?\S)?)\*\*")
EMPH = re.compile(r"(?<![\w*])\*(\S(?:[^*]*?\S)?)\*(?![\w*])")
READ_MORE = re.compile(r"Read more in the\s+(:ref:)?`?User Guide[^.]*\.", re.IGNORECASE)
TABLE_BORDER = re.compile(r"^\s*(=+( +=+)*|\+[-=+]+\+)\s*$")  # simple / grid table
TABLE_ROW = re.compile(r"^\s*[|+]")
ARRAY_API_NOTE = "**Array API Standard Support**"  # SciPy boilerplate + support table
WS = re.compile(r"\s+")


def _clean_math(expr: str) -> str:
    expr = re.sub(r"\\([A-Za-z]+)", r"\1", expr)          # \sigma -> sigma
    expr = re.sub(r"[{}\\^_$&]", " ", expr)
    return WS.sub(" ", expr).strip()


def _role_text(match: re.Match) -> str:
    """:func:`~scipy.linalg.eig` -> eig, :ref:`User Guide <svm>` -> User Guide."""
    text = match.group(1).strip()
    m = re.match(r"^(.*?)\s*<([^>]*)>$", text)
    if m:
        text = m.group(1) or m.group(2)
    text = text.lstrip("!")
    if text.startswith("~"):
        text = text[1:].rsplit(".", 1)[-1]
    return text


def inline_markup(text: str) -> str:
    text = GALLERY_REF.sub("GALLERYREF", text)
    text = MATH_ROLE.sub(lambda m: _clean_math(m.group(1)), text)
    text = ROLE.sub(_role_text, text)
    text = LINK.sub(r"\1", text)
    text = LITERAL.sub(r"\1", text)
    text = INTERPRETED.sub(r"\1", text)
    text = CITATION.sub("", text)
    text = URL.sub("", text)
    text = STRONG.sub(r"\1", text)
    text = EMPH.sub(r"\1", text)
    text = READ_MORE.sub("", text)
    text = GALLERY_SENTENCE.sub("", text)  # "For an example, see <gallery link>."
    text = text.replace("\\ ", "").replace("`", "")  # rst escaped space, stray quotes
    return text


def split_sections(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Split a dedented numpydoc docstring into (section name, lines); preamble = ''."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if (line.strip() and not line.startswith(" ") and SECTION_UNDERLINE.match(nxt)
                and len(nxt.strip()) >= min(len(line.strip()), 3)):
            sections.append((line.strip().rstrip(":").lower(), []))
            i += 2
            continue
        sections[-1][1].append(line)
        i += 1
    return sections


def drop_blocks(lines: list[str]) -> list[str]:
    """Remove doctests, literal blocks, directives (maths, versionadded, ...), tables."""
    out: list[str] = []
    skip_indent: int | None = None   # skip following lines indented deeper than this
    in_doctest = False
    in_table = False
    for line in lines:
        stripped = line.strip()
        if stripped == ARRAY_API_NOTE:
            break  # the rest of this section is the generic array-API note
        if in_table:
            in_table = bool(stripped)  # a table ends at the first blank line
            continue
        if TABLE_BORDER.match(line):
            in_table = True
            continue
        indent = len(line) - len(line.lstrip())
        if skip_indent is not None:
            if not stripped or indent > skip_indent:
                continue
            skip_indent = None
        if in_doctest:
            if stripped:
                continue
            in_doctest = False
        if stripped.startswith(">>>"):
            in_doctest = True
            continue
        m = DIRECTIVE.match(line)
        if m:
            name = m.group(2).lower()
            if name in KEEP_DIRECTIVES:
                out.append(m.group(1) + m.group(3).strip())
            else:
                skip_indent = indent
            continue
        if COMMENT_OR_TARGET.match(line):
            skip_indent = indent
            continue
        if TABLE_ROW.match(line):
            continue
        if stripped.endswith("::"):
            out.append(line.rstrip()[:-2].rstrip() + (":" if stripped != "::" else ""))
            skip_indent = indent
            continue
        out.append(line)
    return out


def _paragraphs(lines: list[str], descriptions_only: bool) -> list[str]:
    """Group lines into paragraphs (blank-line separated; in Parameters-like sections
    each parameter's indented description is one paragraph and the flush-left
    "name : type" lines are dropped)."""
    paras: list[list[str]] = [[]]
    for line in drop_blocks(lines):
        if not line.strip():
            paras.append([])
        elif descriptions_only and not line.startswith(" "):
            paras.append([])  # "x : array_like" line
        else:
            paras[-1].append(line.strip())
    return ["\n".join(p) for p in paras if p]


def clean_docstring(doc: str) -> str:
    lines = doc.expandtabs().splitlines()
    # builtins/ufuncs start with a call signature line: drop it
    while lines and (SIGNATURE_LINE.match(lines[0].strip()) or not lines[0].strip()):
        lines.pop(0)
    paras: list[str] = []
    for name, body in split_sections(lines):
        if name == "" or name in PROSE_SECTIONS:
            paras.extend(_paragraphs(body, descriptions_only=False))
        elif name in DESCRIPTION_SECTIONS:
            paras.extend(_paragraphs(body, descriptions_only=True))
    sentences = []
    for para in inline_markup(PARA_SEP.join(paras)).split(PARA_SEP):
        para = WS.sub(" ", para).strip()
        para = re.sub(r"\s+([,.;:])", r"\1", para)
        if not para or not re.search(r"[A-Za-z]", para):
            continue
        if para[-1] not in ".!?:;":
            para += "."  # a summary line or parameter description without a full stop
        sentences.append(para)
    text = " ".join(sentences)
    words = text.split(" ")
    if len(words) > MAX_WORDS:
        text = " ".join(words[:MAX_WORDS])
        end = text.rfind(". ")
        text = text[: end + 1] if end > len(text) // 2 else text
    return text


def is_documentable(obj) -> bool:
    import numpy as np

    return inspect.isroutine(obj) or inspect.isclass(obj) or isinstance(obj, np.ufunc)


def public_names(mod) -> list[str]:
    names = getattr(mod, "__all__", None)
    if names is None:
        names = dir(mod)
    return sorted({n for n in names if not n.startswith("_")})


def defining_module(cls, attr: str) -> str:
    for klass in inspect.getmro(cls):
        if attr in vars(klass):
            return getattr(klass, "__module__", "") or ""
    return ""


def iter_candidates():
    """Yield (label, name, kind, text); kind 0 = module-level object, 1 = method."""
    for label, modules in LABELS.items():
        package = label.split(".")[0]
        for modname in modules:
            mod = importlib.import_module(modname)
            has_all = hasattr(mod, "__all__")
            for attr in public_names(mod):
                try:
                    obj = getattr(mod, attr)
                except Exception:
                    continue
                if not is_documentable(obj):
                    continue
                objmod = getattr(obj, "__module__", None) or ""
                if not has_all and objmod and not objmod.startswith(package):
                    continue  # re-exported from another package (e.g. numpy in scipy)
                name = f"{modname}.{attr}"
                yield label, name, 0, clean_docstring(inspect.getdoc(obj) or "")
                if not inspect.isclass(obj):
                    continue
                for meth in sorted(vars_all(obj)):
                    if meth.startswith("_") or SKIP_METHODS.match(meth):
                        continue
                    # only methods implemented in this module area (skips mixins such as
                    # sklearn.base.BaseEstimator.get_params or builtins.object)
                    if not defining_module(obj, meth).startswith(label):
                        continue
                    try:
                        func = getattr(obj, meth)
                    except Exception:
                        continue
                    if not inspect.isroutine(func):
                        continue
                    yield label, f"{name}.{meth}", 1, clean_docstring(inspect.getdoc(func) or "")


def vars_all(cls) -> set[str]:
    names: set[str] = set()
    for klass in inspect.getmro(cls):
        names.update(vars(klass))
    return names


def stable_key(name: str) -> str:
    return hashlib.sha1(name.encode("utf-8")).hexdigest()


def main() -> int:
    warnings.filterwarnings("ignore")
    import numpy
    import pandas
    import scipy
    import sklearn

    versions = {
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "pandas": pandas.__version__,
    }
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))

    candidates = [c for c in iter_candidates() if len(c[3].split()) >= MIN_WORDS]

    # Deduplicate identical texts.  The same object is often exported under several
    # names or modules; keep the copy under the most specific label, then by name.
    candidates.sort(key=lambda c: (-c[0].count("."), c[0], c[2], c[1]))
    seen_text: set[str] = set()
    seen_name: set[str] = set()
    unique = []
    for c in candidates:
        if c[3] in seen_text or c[1] in seen_name:
            continue
        seen_text.add(c[3])
        seen_name.add(c[1])
        unique.append(c)

    # Cap per label: module-level functions/classes first, then methods; within each
    # group a stable pseudo-random order (sha1 of the name) so the cut is not alphabetical.
    by_label: dict[str, list] = {}
    for c in unique:
        by_label.setdefault(c[0], []).append(c)
    rows = []
    for label in sorted(by_label):
        group = sorted(by_label[label], key=lambda c: (c[2], stable_key(c[1])))
        rows.extend(group[:MAX_DOCS_PER_LABEL])
    rows.sort(key=lambda c: (c[0], c[1]))

    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(["name", "label", "text"])
    for label, name, _kind, text in rows:
        writer.writerow([name, label, text])
    CSV_PATH.write_text(buf.getvalue(), encoding="utf-8", newline="")

    small: list[str] = []
    size = 0
    for _label, _name, _kind, text in rows[:SMALL_MAX_DOCS]:
        chunk = len(text.encode("utf-8")) + 2
        if size + chunk > SMALL_MAX_BYTES:
            break
        small.append(text)
        size += chunk
    SMALL_PATH.write_text("\n\n".join(small) + "\n", encoding="utf-8", newline="")

    counts: dict[str, int] = {}
    for label, *_ in rows:
        counts[label] = counts.get(label, 0) + 1
    csv_bytes = CSV_PATH.stat().st_size
    print(f"{CSV_PATH.name}: {len(rows)} documents, {len(counts)} labels, {csv_bytes} bytes")
    for label in sorted(counts):
        print(f"  {label:26s} {counts[label]:4d}")
    print(f"{SMALL_PATH.name}: {len(small)} documents, {SMALL_PATH.stat().st_size} bytes")
    if not 1_500_000 <= csv_bytes <= 4_000_000:
        print("warning: CSV size outside 1.5-4 MB; adjust MAX_DOCS_PER_LABEL", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
