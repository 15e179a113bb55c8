# The two commands of README.md are `make demo` and `make test`; the other targets are their parts.
# Everything runs from .venv, which tools/bootstrap builds from requirements/ (pinned).
SHELL := /bin/bash
BIN := .venv/bin
# make bench SIZES=100 FORKS=10,25: agent counts and forks of the benchmark matrix (docs/performance.md).
SIZES ?= 100,500,1000
FORKS ?= 10,25,50
SCALE_AGENTS ?= 1000
SCALE_FORKS ?= 50

.PHONY: demo test test-matrix bench bench-scale bootstrap units lab integration sanity lint changelog build molecule soak constraints clean docs

demo: bootstrap
	@$(BIN)/python tools/demo.py

test: bootstrap
	@tools/run-tests

# The core-dependent stages on every ansible-core that meta/runtime.yml accepts (docs/testing.md, "Versions").
test-matrix: bootstrap
	@tools/test-matrix

bench: bootstrap
	@$(BIN)/python tools/bench.py --sizes $(SIZES) --forks $(FORKS)

# A whole migrate.yml on a fresh 1,000-agent estate, with figures per phase.
bench-scale: bootstrap
	@$(BIN)/python tools/bench_scale.py --agents $(SCALE_AGENTS) --forks $(SCALE_FORKS)

# Regenerate docs/reference/ after changing a module's DOCUMENTATION, EXAMPLES or RETURN, a doc fragment or a
# role's meta/argument_specs.yml; tests/integration/test_module_reference.py fails until this has run.
docs: bootstrap
	@tools/generate-docs

bootstrap:
	@tools/bootstrap

units lab integration sanity lint changelog build molecule soak: bootstrap
	@tools/run-tests $@

# Re-pin every transitive dependency after changing requirements/test.in.
constraints: bootstrap
	@$(BIN)/python -m pip freeze --exclude-editable > requirements/constraints.txt

clean:
	rm -rf .venv .cache build tests/output
