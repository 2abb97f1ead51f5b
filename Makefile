# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs the project on first use (and again when
# pyproject.toml changes). Only Python 3.11+ and make are needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test quick docs lint typecheck pytest soak bench matrix clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m authsessions demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/unasync.py --check
	$(BIN)/python scripts/slot_tags.py --check
	$(BIN)/python scripts/matrix.py check-table

typecheck: $(STAMP)
	$(BIN)/mypy

# pytest-xdist: one worker per core (each provisions its own servers);
# the soak-sized tests (marker `slow`) are `make soak`'s
pytest: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist worksteal -m "not slow" $(PYTEST_ARGS)

test: lint typecheck pytest

# the inner loop: lint, twins, types, and every test that needs no server,
# browser or wheel build, in parallel, with the quick contract profile
QUICK_MARKERS := not slow and not thorough and not redis and not redis_cluster and not postgres and not browser and not packaging
quick: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/unasync.py --check
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto --dist worksteal -q -p no:cacheprovider -m "$(QUICK_MARKERS)" \
	  --authsessions-contract-profile=dev $(PYTEST_ARGS)

# faults, restarts, load, memory bounds and hostile input at full size:
# 100,000 creates for one user and SOAK_SECONDS of load per test
SOAK_SECONDS ?= 30
soak: $(STAMP)
	AUTHSESSIONS_LOAD_SECONDS=$(SOAK_SECONDS) AUTHSESSIONS_FLOOD_ATTEMPTS=100000 \
	  $(BIN)/python -m pytest -s -p no:cacheprovider -m slow $(PYTEST_ARGS) \
	  tests/redis/test_load.py tests/redis/test_faults.py tests/redis/test_durability.py

# the compatibility matrix (scripts/matrix.py): each leg in its own
# virtualenv under .matrix/; MATRIX_LEGS="lowest-core redis-6.2" for some
matrix: $(STAMP)
	$(BIN)/python scripts/matrix.py run $(MATRIX_LEGS)

# the documentation site into site/, strict (tests/docs/test_site.py builds
# it in the test suite too)
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict
	@echo "open site/index.html"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .matrix .mypy_cache .ruff_cache .pytest_cache .hypothesis site
