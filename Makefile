# The two commands: `make run` (set up what is missing, start everything) and
# `make test` (the same set-up, then lint and every test suite).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
PY_STAMP := $(VENV)/.installed
NPM_STAMP := frontend/node_modules/.installed
FRONTEND_BUILD := src/practica/web/static/index.html
EXEC_AGENT := src/practica/sandbox/exec-agent
FRONTEND_SOURCES := $(shell find frontend/src frontend/index.html frontend/vite.config.ts frontend/vite.console.config.ts -type f 2>/dev/null)
PYTEST_WORKERS ?= 2
# The tests' own support code (fixtures, factories, fake sites) is typed like src/; the tests themselves are not.
TEST_SUPPORT = $(shell find tests -name '*.py' ! -name 'test_*.py')

.PHONY: run test lint format hooks setup test-setup kafka-deps system-packages test-system-packages frontend-test python-test readme-config openapi images deploy-local deploy-down deploy-version

run: setup
	$(BIN)/practica up

setup: system-packages $(PY_STAMP) $(FRONTEND_BUILD) $(EXEC_AGENT)

# The docker runtime's exec agent (exec-agent/, Go's standard library only): a static binary beside its Python side.
$(EXEC_AGENT): $(wildcard exec-agent/*.go) exec-agent/go.mod
	cd exec-agent && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o ../$(EXEC_AGENT) .

test-setup: test-system-packages setup kafka-deps

# The Apache Kafka broker the Kafka tests and the benchmark start (jars in .kafka/lib).
KAFKA_STAMP := .kafka/.installed
kafka-deps: $(KAFKA_STAMP)

$(KAFKA_STAMP): kafka/pom.xml scripts/kafka-deps.sh
	@bash scripts/kafka-deps.sh
	@touch $@

system-packages:
	@bash scripts/system-packages.sh run

test-system-packages:
	@bash scripts/system-packages.sh test

$(PY_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

$(NPM_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(FRONTEND_BUILD): $(NPM_STAMP) $(FRONTEND_SOURCES)
	cd frontend && npm run --silent build

lint: $(PY_STAMP) $(NPM_STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/mypy --strict $(TEST_SUPPORT)
	@test -z "$$(gofmt -l exec-agent)" || { gofmt -l exec-agent; echo "gofmt: format exec-agent/ (gofmt -w exec-agent)"; exit 1; }
	cd exec-agent && go vet ./...
	$(BIN)/lint-imports
	cd frontend && npm run --silent lint

# Rewrite what the linters can fix: ruff's fixes and formatting.
format: $(PY_STAMP)
	$(BIN)/ruff check --fix --quiet src tests bench scripts
	$(BIN)/ruff format --quiet src tests bench scripts

# The same checks before each commit (.pre-commit-config.yaml; runs the tools of .venv, offline).
hooks: $(PY_STAMP)
	$(BIN)/pre-commit install

frontend-test: $(NPM_STAMP)
	cd frontend && npm run --silent typecheck && npm test --silent

# The compose topology runs alone, after the rest: beside the sandbox suites its containers lose their network.
# slirp4netns's sandbox unmounts the host's /run/netns where /run is no mount point (this VM); the bwrap runtime
# now starts it in a mount namespace of its own, podman's own slirp4netns (docker runtime, egress) still does it.
python-test: test-setup
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=30 --ignore=tests/deploy/test_topology.py
	$(BIN)/pytest -p no:randomly tests/deploy/test_topology.py

test: test-setup lint frontend-test python-test

readme-config: $(PY_STAMP)
	$(BIN)/python scripts/settings_table.py

openapi: $(PY_STAMP) $(NPM_STAMP)
	$(BIN)/python scripts/openapi.py
	cd frontend && npm run --silent gen:api

# One OCI image per service, tagged `git describe --always --dirty` and `latest` (deploy/images/; podman).
images: setup kafka-deps
	@bash deploy/images/build.sh

# The production topology of deploy/compose.yaml on this machine (podman-compose), and its end.
deploy-local: images
	@bash deploy/up.sh

deploy-down:
	@bash deploy/down.sh

# A rolling deploy of every service to VERSION (an image tag), one container at a time; one not ready rolls it back;
# rolling back by hand: the old VERSION.
deploy-version:
	@test -n "$(VERSION)" || { echo "usage: make deploy-version VERSION=<image tag>"; exit 2; }
	@bash deploy/deploy.sh "$(VERSION)"
