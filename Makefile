# Two commands do everything on a fresh machine:
#   make course   set up, then run every lesson headlessly and print each lesson's metrics
#   make test     set up, then run the test suite (17-21 minutes on 2 cores, measured)
# Before changing a lesson: make test-full (also the smoke runs and the NLI model test that
# make test leaves out). For the inner loop: make test-fast (no notebook runs, about a minute)
# and make lint.
# Both are idempotent: the virtual environment is built once and rebuilt only when
# pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The CPU wheel of torch goes in first; an unpinned torch would pull several GB of CUDA packages.
# On a GPU machine: make course TORCH_SPEC=torch (or any build you like).
TORCH_SPEC ?= torch==2.13.0

# The real datasets live beside the checkout; never copied into the repository.
ifneq ($(wildcard ../shared/datasets),)
export CLFLIB_DATA_DIR ?= $(abspath ../shared/datasets)
endif

# PROFILE=auto picks gpu with CUDA, else cpu; `make course PROFILE=smoke` checks every lesson on the
# course's own data with MiniLM's first 2 layers (what PROFILE = "smoke" in a notebook runs).
PROFILE ?= auto

.PHONY: setup course reference book test test-full test-fast lint format lab clean exercises exercises-check grade bench-train bench-inference

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH_SPEC)"
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (course)" >/dev/null
	touch $(STAMP)

course: setup
	$(PY) -m clflib.course run --profile $(PROFILE)

# The reference runs in reference/: each lesson run once in the cpu profile, its executed notebook
# (outputs, plots, findings; no progress bars, no paths of this machine) and metrics kept. Rerun the
# ones a test names as stale:  make reference LESSONS="03 09"  (all ten: about 80 minutes on 2 cores).
LESSONS ?=
reference: setup
	$(PY) -m clflib.course reference $(if $(LESSONS),--lessons $(LESSONS))

# The course website in _build/book/html: the README, the reference runs and the exercise
# notebooks, built offline with Sphinx (see book/conf.py); open _build/book/html/index.html.
book: setup
	$(PY) -m clflib.course.book

# Two workers on the course's 2 cores (each with its share of the threads, see tests/conftest.py).
# --dist loadscope keeps a test class (or a module's functions) in one worker: a lesson and the
# lessons that use its output in one profile are one class in tests/test_notebooks.py, so they
# share their runs; each exercise set is a class in tests/test_exercises.py, built once per run.
# The units with the most notebook runs start first (tests/conftest.py). TEST_WORKERS=0 runs
# serially.
TEST_WORKERS ?= auto
PYTEST := $(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder
test: setup
	$(PYTEST) -m "not full"

# make test, plus what it leaves out because another test proves the same code path: the smoke
# runs of the lessons whose CI-budget run executes every cell, and the course NLI model's own
# test. Run it before you change a lesson (about 20 minutes on 2 cores: make test, plus 2.7
# minutes measured for what it adds).
test-full: setup
	$(PYTEST)

# Everything except the notebook runs (lessons, exercise builds and grading) and the few tests
# that train a real model (marked slow): the inner loop.
test-fast: setup
	$(PYTEST) -m "not notebook and not slow"

# ruff: lint everything (notebooks too); the formatter covers the package, tests and benchmarks.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check clflib tests benchmarks

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format clflib tests benchmarks

# JupyterLab at the repository root: the lessons in notebooks/, and a copy of each exercise set's
# student folder (with its tests/) in my-work/, made the first time and never overwritten, so
# answers stay out of the committed student versions.
lab: setup
	@for student in exercises/*/student; do \
	  set=$$(basename $$(dirname $$student)); \
	  if [ ! -e my-work/$$set ]; then mkdir -p my-work && cp -r $$student my-work/$$set && echo "copied $$student to my-work/$$set"; fi; \
	done
	$(VENV)/bin/jupyter lab --notebook-dir .

clean:
	rm -rf runs/ _build/ .pytest_cache/

# Exercise sets (see exercises/README.md). `make exercises` builds every master with otter assign,
# which grades the solutions first, and refreshes the committed student versions.
exercises: setup
	$(PY) -m clflib.course.exercises build

exercises-check: setup
	$(PY) -m clflib.course.exercises build --check

# Grade a folder of submitted notebooks into a CSV gradebook: each notebook runs in a bubblewrap
# sandbox (apt-get install bubblewrap), the tests run outside it. No Docker needed:
#   make grade EXERCISE=01_binary_sentiment SUBMISSIONS=path/to/folder OUT=gradebook.csv
# TIMEOUT is per submission, CELL_TIMEOUT per cell (seconds); JOBS grades several at once;
# MEMORY_GIB caps one notebook's memory. Without bubblewrap it refuses; TRUST_SUBMISSIONS=1 grades
# anyway with every notebook running as you (only for notebooks you trust).
EXERCISE ?=
SUBMISSIONS ?=
OUT ?= gradebook.csv
TIMEOUT ?= 600
CELL_TIMEOUT ?= 300
JOBS ?= 1
MEMORY_GIB ?= 6
TRUST_SUBMISSIONS ?=
grade: setup
	@test -n "$(EXERCISE)" || { echo "Set EXERCISE (e.g. EXERCISE=01_binary_sentiment or EXERCISE=quiz)"; exit 2; }
	@test -n "$(SUBMISSIONS)" || { echo "Set SUBMISSIONS to the folder of submitted .ipynb files"; exit 2; }
	$(PY) -m clflib.course.gradebook grade "$(EXERCISE)" "$(SUBMISSIONS)" --out "$(OUT)" \
		--timeout $(TIMEOUT) --cell-timeout $(CELL_TIMEOUT) --jobs $(JOBS) --memory-gib $(MEMORY_GIB) \
		$(if $(TRUST_SUBMISSIONS),--trust-submissions)

# Benchmarks (see benchmarks/ and the README): ratios measured side by side in one run.
#   make bench-train                  the classic recipe vs clflib's, rotten_tomatoes (~50 min on 2 cores)
#   make bench-inference              lesson 08's serving paths on 2,000 texts (~7 min)
# ARGS passes options, e.g. make bench-train ARGS="--max-train-samples 2000".
ARGS ?=
bench-train: setup
	$(PY) benchmarks/train_speed.py $(ARGS)

bench-inference: setup
	$(PY) benchmarks/inference_speed.py $(ARGS)
