# The two commands of README.md are `make demo` and `make test`; the other targets are their parts.
# Everything runs from .venv, which tools/bootstrap builds from requirements/ (pinned).
SHELL := /bin/bash
BIN := .venv/bin
AGENTS ?= 200
FORKS ?= 10

.PHONY: demo test bench bootstrap units lab integration sanity lint changelog build molecule soak constraints clean

demo: bootstrap
	@$(BIN)/python tools/demo.py

test: bootstrap
	@tools/run-tests

bench: bootstrap
	@$(BIN)/python tools/bench.py --agents $(AGENTS) --forks $(FORKS)

bootstrap:
	@tools/bootstrap

units lab integration sanity lint changelog build molecule soak: bootstrap
	@tools/run-tests $@

# Re-pin every transitive dependency after changing requirements/test.in.
constraints: bootstrap
	@$(BIN)/python -m pip freeze --exclude-editable > requirements/constraints.txt

clean:
	rm -rf .venv .cache build tests/output
