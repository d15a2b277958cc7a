# syntax=docker/dockerfile:1.7
# migrate / ops: the services that own tables (auth, image, gallery) with their migrations and scripts/,
# no torch. Compose runs it once before the services start (`python scripts/db.py upgrade`), and
# make backup / restore use it to copy the object store. Build from the repository root:
#   docker build -f deploy/docker/migrate.Dockerfile -t zimage/migrate .
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
    uv sync --no-dev --no-install-workspace --package zimage-auth --package zimage-image --package zimage-gallery
COPY libs/common/src libs/common/src
COPY services/auth-service/src services/auth-service/src
COPY services/image-service/src services/image-service/src
COPY services/gallery-service/src services/gallery-service/src
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --no-dev --package zimage-auth --package zimage-image --package zimage-gallery

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 zimage \
 && useradd --system --uid 10001 --gid zimage --home-dir /app --no-create-home --shell /usr/sbin/nologin zimage \
 && mkdir -p /data && chown zimage:zimage /data
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY --from=build /app/libs/common/src libs/common/src
COPY --from=build /app/services services
COPY services/auth-service/migrations services/auth-service/migrations
COPY services/image-service/migrations services/image-service/migrations
COPY services/gallery-service/migrations services/gallery-service/migrations
COPY scripts/db.py scripts/platform_services.py scripts/object_archive.py scripts/
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    DATA_DIR=/data ZIMAGE_ENV=production
USER 10001:10001
# A one-shot job: no port, no health check.
HEALTHCHECK NONE
CMD ["python", "scripts/db.py", "upgrade"]
