# syntax=docker/dockerfile:1.7
# Flower, the Celery monitor (UI on 5555, Prometheus metrics at /metrics). Its own small image: Flower needs
# only Celery and the broker client, not the worker's CUDA stack, and it takes Celery/kombu/redis at the
# exact versions uv.lock gives the worker (dependency group `flower` in the root pyproject.toml).
#   docker build -f deploy/docker/flower.Dockerfile -t zimage/flower .
ARG PYTHON_IMAGE=python:3.11-slim
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_FROZEN=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY libs/common/pyproject.toml libs/common/
COPY services/api-gateway/pyproject.toml services/api-gateway/
COPY services/auth-service/pyproject.toml services/auth-service/
COPY services/image-service/pyproject.toml services/image-service/
COPY services/gallery-service/pyproject.toml services/gallery-service/
COPY services/ml-worker/pyproject.toml services/ml-worker/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --no-install-project --no-default-groups --only-group flower

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 zimage \
 && useradd --system --uid 10001 --gid zimage --home-dir /app --no-create-home --shell /usr/sbin/nologin zimage
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
EXPOSE 5555
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request as u; sys.exit(u.urlopen('http://127.0.0.1:5555/healthcheck', timeout=4).status != 200)"]
# CELERY_BROKER_URL: the worker's broker. FLOWER_BASIC_AUTH (user:password) guards the UI and API;
# /metrics and /healthcheck stay open for Prometheus and Docker, so the edge does not route /metrics.
CMD ["sh", "-c", "exec celery --broker=\"$CELERY_BROKER_URL\" flower --port=5555 --purge_offline_workers=300"]
