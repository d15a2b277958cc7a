# zimage-platform — every target bootstraps what it needs (uv from PyPI, the locked environment).
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
RUN := $(UV) run --frozen --no-sync
DATA_DIR ?= data
FRONTEND_PORT ?= 3000
ADMIN_UI_PORT ?= 3001
export DATA_DIR
# Python packages to type-check (services/frontend has a src/ too, with no Python in it)
PY_PACKAGES := libs/common/src/zimage_common $(wildcard services/*/src/zimage_*)

.PHONY: help bootstrap dev test lint fmt db-migrate db-reset admin download-model logs clean ops-tools bench-load \
	compose-up compose-prod compose-down compose-logs compose-ps secrets backup restore check-health reconcile gpu-status

# Docker Compose: the development file unless PROD=1 (docker-compose.prod.yml). docs/deployment.md.
COMPOSE ?= docker compose
DC := $(COMPOSE) -f $(if $(PROD),docker-compose.prod.yml,docker-compose.yml)

help: ## Show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_%-]+:.*## / {printf "  \033[36mmake %-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

bootstrap: ## Install uv if missing and sync the locked environment
	@./scripts/bootstrap.sh

dev: bootstrap ## Start the whole platform, the web app (:3000) and the admin app (:3001) on the embedded default (Ctrl-C stops it)
	@./scripts/build-frontend.sh || echo "web apps: a build failed (see above); starting without it"
	@FRONTEND_PORT=$(FRONTEND_PORT) ADMIN_UI_PORT=$(ADMIN_UI_PORT) $(RUN) python scripts/dev.py

test: bootstrap ops-tools ## Run every test (needs PostgreSQL and Redis on loopback) [TEST_LANES=serial]
	@$(RUN) ruff check .
	@$(RUN) ruff format --check .
	@$(RUN) mypy $(PY_PACKAGES)
	@PYTEST_ARGS="$(PYTEST_ARGS)" ./scripts/test-lanes.sh

lint: bootstrap ## Ruff and mypy
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy $(PY_PACKAGES)

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

logs: ## Follow the logs of a running `make dev` (containers: make compose-logs)
	@mkdir -p $(DATA_DIR)/logs && touch $(DATA_DIR)/logs/dev.log && tail -n 50 -F $(DATA_DIR)/logs/*.log

bench-load: bootstrap ## Load test: 50 simulated users for 5 minutes, embedded and PostgreSQL+Redis (bench/results/load-*.json)
	@$(RUN) python bench/load/load.py $(LOAD_ARGS)

ops-tools: ## Install promtool, amtool and shellcheck for tests/ops when missing (Debian, as root)
	@./scripts/bootstrap.sh --ops-tools

# ---- Docker Compose (one machine with Docker; PROD=1 for the production file) --------------------------
compose-up: ## Build and start everything in Docker (development; http://localhost)
	$(COMPOSE) -f docker-compose.yml up -d --build
	@echo "Web app http://localhost  API http://localhost/api/v1  Flower http://flower.localhost  Grafana http://grafana.localhost  MinIO http://localhost:9001"

compose-prod: ## Build and start the production deployment (needs .env and make secrets)
	@test -f .env || { echo "compose-prod: copy .env.example to .env and fill its secrets (docs/deployment.md)"; exit 2; }
	@test -f secrets/jwt_private_key.pem || { echo "compose-prod: run make secrets first"; exit 2; }
	$(COMPOSE) -f docker-compose.prod.yml up -d --build --remove-orphans

compose-down: ## Stop the compose deployment; volumes (data) stay
	$(DC) down

compose-logs: ## Follow container logs: make compose-logs [SERVICE=image-service] [PROD=1]
	$(DC) logs -f --tail=100 $(SERVICE)

compose-ps: ## Containers and their health
	$(DC) ps --all

shell-%: ## A shell in a container: make shell-image-service, shell-postgres (psql), shell-redis (redis-cli)
	@case "$*" in \
	  postgres) $(DC) exec postgres psql -U postgres -d zimage ;; \
	  redis) $(DC) exec redis redis-cli ;; \
	  *) $(DC) exec $* sh ;; \
	esac

secrets: ## Create the production JWT signing key in ./secrets (once; never committed)
	@mkdir -p secrets && chmod 700 secrets
	@if [ -f secrets/jwt_private_key.pem ]; then echo "secrets/jwt_private_key.pem exists; keeping it"; else \
	  openssl genpkey -algorithm ed25519 -out secrets/jwt_private_key.pem && \
	  chmod 644 secrets/jwt_private_key.pem && echo "created secrets/jwt_private_key.pem"; fi

# Backups of the compose deployment: the postgres container's own pg_dump, objects through the migrate image
# (it has the services' object-store settings). LOCAL=1: this machine's tools and .env (DATABASE_URL).
BACKUP_ENV = $(if $(LOCAL),,PG_EXEC="$(DC) exec -T postgres" DATABASE_URL="postgresql://postgres@/zimage" \
	OBJECTS_EXEC="$(DC) run --rm -T --no-deps migrate python scripts/object_archive.py")

backup: ## Back up PostgreSQL and the object store into ./backups (BACKUP_KEEP=7) [PROD=1] [LOCAL=1]
	@$(BACKUP_ENV) ./scripts/backup.sh

restore: ## Restore a backup: make restore BACKUP=backups/20261126T093000Z [PROD=1] [LOCAL=1]
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=backups/<time>"; exit 2; }
	@$(BACKUP_ENV) ./scripts/restore.sh "$(BACKUP)"

check-health: ## Is every service ready? (make dev or compose development; PROD=1: from inside the containers)
	@./scripts/health-check.sh $(if $(PROD),--compose -f docker-compose.prod.yml)

reconcile: ## Delete stored objects no image owns (gallery reconciler) [PROD=1] [LOCAL=1: make dev's data]
	$(if $(LOCAL),$(RUN) python -m zimage_gallery.reconciler,$(DC) exec gallery-service python -m zimage_gallery.reconciler)

gpu-status: ## nvidia-smi on the host and in the worker container
	-nvidia-smi
	-$(DC) exec ml-worker nvidia-smi

clean: ## Remove caches and the virtual environment (keeps ./data)
	rm -rf .venv .pytest_cache .ruff_cache .mypy_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
