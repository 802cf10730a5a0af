"""EmbedLab: would custom embeddings beat the pretrained ones on your corpus, and where, and why?

Train Word2Vec or FastText on a corpus, or fine-tune the bundled sentence-transformer (all-MiniLM-L6-v2), then
compare and evaluate the result against the pretrained baseline. The Streamlit app (``streamlit run app.py``) and
the CLI (``python -m embedlab``) call the same functions, one subpackage per stage of the pipeline:

- :mod:`embedlab.corpus`: read an upload (any encoding; text, CSV/TSV, JSONL, zip), tokenise it, store it once.
- :mod:`embedlab.spaces`: every source of vectors as one ``EmbeddingSpace`` (the baseline, a run, a vectors file,
  a fine-tuned model, derived copies), named by a space spec.
- :mod:`embedlab.training`: Word2Vec/FastText, fine-tuning, and the jobs that run them in their own process.
- :mod:`embedlab.analysis`: neighbours, what changed between two spaces, corpus coverage, aligned maps.
- :mod:`embedlab.evaluation`: benchmarks, the corpus's label task, held-out retrieval, bias, dimensionality.
- :mod:`embedlab.present`: figures, the HTML report and share links; :mod:`embedlab.ui`: the Streamlit glue.

Everything is kept under ``$EMBEDLAB_HOME`` (default ``~/.embedlab``), and nothing leaves the machine.

Example: load a space, compare two, evaluate them (this runs as a test):

>>> from embedlab import analysis, corpus, evaluation, spaces, training
>>> text = (
...     "A sparse matrix stores only its nonzero entries. A sparse solver exploits the sparsity of the matrix. "
...     "The eigenvalues of a symmetric matrix are real. A signal has a spectrum of frequencies.\\n\\n"
... ) * 30
>>> notes = corpus.build_corpus("notes.txt", text.encode())
>>> notes.stats.documents, notes.stats.types
(30, 21)
>>> run = training.train_run(notes, training.TrainConfig(dim=16, min_count=1, epochs=5, workers=1, seed=7))
>>> run.summary
'Word2Vec · dim 16 · CBOW · 5 epochs'
>>> trained = spaces.load_space(run.id, notes)
>>> baseline = spaces.load_space("baseline", notes)  # MiniLM encodes each corpus word alone, cached on disk
>>> trained.dim, baseline.dim
(16, 384)
>>> summary, changed = analysis.compare_spaces(trained, baseline, k=3)
>>> summary.shared_words, list(changed.columns[:3])
(21, ['word', 'jaccard', 'rank_overlap'])
>>> [neighbour.word for neighbour in analysis.nearest(baseline, "sparse", 2)]
['sparsity', 'matrix']
>>> pairs = [("sparse", "sparsity", 9.0), ("matrix", "eigenvalues", 6.0), ("signal", "spectrum", 8.0),
...          ("solver", "frequencies", 1.0), ("matrix", "signal", 2.0)]
>>> result = evaluation.evaluate_spaces([trained, baseline], notes, evaluation.EvaluationOptions(user_pairs=pairs))
>>> round(result["baseline"].similarities[-1].spearman, 2)  # your pairs: Spearman with the model's cosines
0.9
>>> corpus.delete_corpus(notes.id).runs_note()  # the corpus goes; the runs trained on it stay
'The run trained on it is kept: Word2Vec · dim 16 · CBOW · 5 epochs (run-...). It still opens on the Compare, ...'
"""

from embedlab.config import make_offline

make_offline()

__version__ = "0.2.0"
