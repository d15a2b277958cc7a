# zimage-platform — every target bootstraps what it needs (uv from PyPI, the locked environment).
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
RUN := $(UV) run --frozen --no-sync
DATA_DIR ?= data
export DATA_DIR

.PHONY: help bootstrap dev test lint fmt db-migrate db-reset admin download-model logs clean

help: ## Show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36mmake %-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

bootstrap: ## Install uv if missing and sync the locked environment
	@./scripts/bootstrap.sh

dev: bootstrap ## Start the whole platform on the embedded default (Ctrl-C stops it)
	@$(RUN) python scripts/dev.py

test: bootstrap ## Run every test (needs PostgreSQL and Redis on loopback)
	@$(RUN) ruff check .
	@$(RUN) mypy libs/common/src services/*/src
	@$(RUN) pytest $(PYTEST_ARGS)

lint: bootstrap ## Ruff and mypy
	$(RUN) ruff check .
	$(RUN) ruff format --check . || true
	$(RUN) mypy libs/common/src services/*/src

fmt: bootstrap ## Format the Python code
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

db-migrate: bootstrap ## Apply every service's migrations
	@$(RUN) python scripts/db.py upgrade

db-reset: bootstrap ## Drop and re-create every service's tables (deletes data)
	@read -p "This deletes all data in $(DATA_DIR) / DATABASE_URL. Type 'yes': " ok && [ "$$ok" = yes ]
	@$(RUN) python scripts/db.py reset

admin: bootstrap ## Create or promote an admin: make admin EMAIL=you@example.com [PASSWORD=...]
	@test -n "$(EMAIL)" || (echo "usage: make admin EMAIL=you@example.com [PASSWORD=...]"; exit 2)
	@$(RUN) python scripts/db.py upgrade >/dev/null
	@$(RUN) python -m zimage_auth.cli create-admin --email "$(EMAIL)" $(if $(PASSWORD),--password "$(PASSWORD)")

download-model: ## Fetch Z-Image-Turbo into MODEL_PATH (default ./data/models/Z-Image-Turbo)
	@./scripts/download-model.sh $(if $(MODEL_PATH),--model-path "$(MODEL_PATH)")

logs: ## Follow the logs of a running `make dev`
	@mkdir -p $(DATA_DIR)/logs && touch $(DATA_DIR)/logs/dev.log && tail -n 50 -F $(DATA_DIR)/logs/*.log

clean: ## Remove caches and the virtual environment (keeps ./data)
	rm -rf .venv .pytest_cache .ruff_cache .mypy_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
