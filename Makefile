# The two commands of the README: `make run` and `make test`. Both set everything up first.
# Packaging: `make package` (the bundle and its archive), `make install-desktop` (the menu
# entry for the current user), `make startup` (start-up time beside a bare Qt window).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGE_STAMP := $(VENV)/.installed-package
BUNDLE := dist/Postdesk/Postdesk
export QT_QPA_PLATFORM ?= $(if $(DISPLAY)$(WAYLAND_DISPLAY),,offscreen)

.PHONY: run test faults bench bench-quick bench-search bench-copy bench-copy-quick lint system-packages clean package install-desktop startup

run: $(STAMP)
	$(BIN)/python -m desktop

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

# The fault suite alone; it ends with "faults: N scenarios (Q on PostgreSQL), N passed, 0 rows
# lost". Like `make test`, it uses the local server when POSTDESK_TEST_POSTGRES is unset.
faults: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/faults -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# dist/Postdesk/ (run dist/Postdesk/Postdesk) and dist/Postdesk-VERSION-linux-x86_64.tar.gz;
# prints the sizes and the ten largest files.
package: $(PACKAGE_STAMP)
	$(BIN)/python packaging/build.py

# The desktop entry and icon for the current user, pointing at dist/Postdesk/Postdesk.
install-desktop:
	test -x $(BUNDLE) || $(MAKE) package
	sh dist/Postdesk/install-desktop.sh

# Scale: a million posts on SQLite, local PostgreSQL and through a 50 ms link, beside the
# raw query and stock Qt; the data set is built once and kept in var/bench/.
# Needs the PostgreSQL server of POSTDESK_BENCH_POSTGRES (default: the local one).
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/scale.py
	$(MAKE) bench-copy

# The same on a hundredth of the data, in about a minute.
bench-quick: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/scale.py --quick

# Full-text search: migrations 006 and 009, their time and index size on the large set,
# searches beside LIKE, the bulk load with the index; add --quick for 1,000 users.
# PostgreSQL as for bench.
bench-search: $(STAMP)
	$(BIN)/python benchmarks/search_index.py \
		--postgres "$${POSTDESK_BENCH_POSTGRES:-postgresql://postgres@127.0.0.1:5432/postgres}"

# A whole-database copy, SQLite -> PostgreSQL and back, beside the bulk-load floor of the
# same run: rows per second of each, the copy's share of the floor and its peak memory.
bench-copy: $(STAMP)
	$(BIN)/python benchmarks/copy_bench.py

bench-copy-quick: $(STAMP)
	$(BIN)/python benchmarks/copy_bench.py --quick

# Launch to the window showing its rows: source, bundle and the floor, 10 runs each.
startup: $(STAMP)
	test -x $(BUNDLE) || $(MAKE) package
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/startup.py --runs 10

$(PACKAGE_STAMP): $(STAMP)
	@sh .ci/system-packages build
	$(BIN)/python -m pip install --quiet -e '.[test,package]'
	touch $@

# The shared libraries Qt needs; installed only where missing (and only as root).
system-packages:
	@sh .ci/system-packages

$(STAMP): pyproject.toml | system-packages
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Postdesk needs Python 3.11 or newer; set PYTHON=python3.x"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache
