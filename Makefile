# The steps of .ci/run, one target each, for the loop while you work. `make test` is the README's test command
# and .ci/run's, word for word (tests/test_contributing.py checks that the three agree).
# See CONTRIBUTING.md for when to run which.

# `make bench ONLY="train_path umap_speed"` runs some benchmarks; `make bench QUICK=1` the smaller sizes.
ONLY ?=
QUICK ?=

.PHONY: help install test-deps lint format types fast test bench bench-list app

help:
	@echo "make install     the app's requirements (and embedlab itself, editable)"
	@echo "make test-deps   what the tests need: requirements-dev.txt (pinned ruff, mypy, pytest) and Debian's chromium"
	@echo "make lint        ruff check + ruff format --check"
	@echo "make format      ruff format (rewrites files) and ruff check --fix"
	@echo "make types       mypy with a fresh cache directory"
	@echo "make fast        the fast loop: every test not marked slow or browser (under 60 CPU-seconds)"
	@echo "make test        the README's test command, as .ci/run runs it (install, lint, types, whole suite)"
	@echo "make bench-list  the benchmark scripts and what each measures"
	@echo "make bench       bench/run_all.py [ONLY=\"name ...\"] [QUICK=1]"
	@echo "make app         streamlit run app.py"

install:
	python -m pip install -r requirements.txt

test-deps:
	bash .ci/install-test-deps

lint:
	ruff check . && ruff format --check .

format:
	ruff format . && ruff check --fix .

# A mypy cache reused across edits (or shared by two runs at once) can crash mypy: each run gets its own.
types:
	@cache=$$(mktemp -d) && mypy --cache-dir "$$cache"; status=$$?; rm -rf "$$cache"; exit $$status

fast:
	python -m pytest -m "not slow and not browser"

test:
	bash .ci/install-test-deps && ruff check . && ruff format --check . && mypy && python -m pytest

bench-list:
	@python -c 'import ast, pathlib; [print(f"{p.stem:24} {ast.get_docstring(ast.parse(p.read_text())).splitlines()[0]}") for p in sorted(pathlib.Path("bench").glob("[!_]*.py"))]'

bench:
	python bench/run_all.py $(if $(QUICK),--quick) $(if $(ONLY),--only $(ONLY))

app:
	streamlit run app.py
