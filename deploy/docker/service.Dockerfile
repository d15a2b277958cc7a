# syntax=docker/dockerfile:1.7
# The four FastAPI services (api-gateway, auth-service, image-service, gallery-service): one Dockerfile,
# one image per service, chosen by build arguments. docker-compose.yml and docker-compose.prod.yml pass them;
# by hand, from the repository root (one uv workspace, one lock):
#   docker build -f deploy/docker/service.Dockerfile -t zimage/auth-service \
#     --build-arg SERVICE_DIR=auth-service --build-arg PACKAGE=zimage-auth \
#     --build-arg APP_FACTORY=zimage_auth.main:create_app --build-arg PORT=8001 .
#
# SERVICE_DIR  the folder under services/             api-gateway | auth-service | image-service | gallery-service
# PACKAGE      its workspace package                  zimage-gateway | zimage-auth | zimage-image | zimage-gallery
# APP_FACTORY  the uvicorn factory (module:function)  zimage_gateway.main:create_app, ...
# PORT         where it listens, exposed and checked  8000 | 8001 | 8002 | 8003
#
# The image holds only PACKAGE's locked dependencies (uv sync --package): no torch, no other service.
# An ARG is seen only in the stage that declares it, so each stage below declares the ones it uses (none has a
# default: a build without them stops). The ml-worker (CUDA base) keeps its own services/ml-worker/Dockerfile.
ARG PYTHON_IMAGE=python:3.11-slim
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_FROZEN=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# Third-party dependencies first: this layer is reused until uv.lock or a pyproject.toml changes.
# uv needs every workspace member's pyproject.toml to read the workspace, so all of them come in.
# The layers above and these copies do not depend on the build arguments: the four images share them.
COPY pyproject.toml uv.lock ./
COPY libs/common/pyproject.toml libs/common/
COPY services/api-gateway/pyproject.toml services/api-gateway/
COPY services/auth-service/pyproject.toml services/auth-service/
COPY services/image-service/pyproject.toml services/image-service/
COPY services/gallery-service/pyproject.toml services/gallery-service/
COPY services/ml-worker/pyproject.toml services/ml-worker/
ARG PACKAGE
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --no-dev --no-install-workspace --package ${PACKAGE:?}
ARG SERVICE_DIR
COPY libs/common/src libs/common/src
COPY services/${SERVICE_DIR:?}/src services/${SERVICE_DIR}/src
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --no-dev --package ${PACKAGE}

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 zimage \
 && useradd --system --uid 10001 --gid zimage --home-dir /app --no-create-home --shell /usr/sbin/nologin zimage \
 && mkdir -p /data && chown zimage:zimage /data
WORKDIR /app
# Same paths as in the build stage: the virtual environment links the workspace sources by path.
COPY --from=build /app/.venv /app/.venv
COPY --from=build /app/libs/common/src libs/common/src
ARG SERVICE_DIR
# The service's whole folder as in the repository, less what .dockerignore leaves out (tests/, caches):
# src/, and migrations/ where the service owns tables (Alembic finds them next to the package). Naming
# migrations/ here would fail for the api-gateway, which has none: COPY of a missing path stops the build.
COPY services/${SERVICE_DIR:?}/ services/${SERVICE_DIR}/
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    DATA_DIR=/data ZIMAGE_ENV=production
# Build arguments are gone when the container runs: the command and the health check read these instead.
ARG APP_FACTORY
ARG PORT
ENV APP_FACTORY=${APP_FACTORY:?} PORT=${PORT:?}
USER 10001:10001
EXPOSE ${PORT}
# /ready: dependencies reachable (compose waits on it with depends_on: service_healthy). Shell form, so that
# the shell reads PORT from the container's environment.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import sys, urllib.request as u; sys.exit(u.urlopen(sys.argv[1], timeout=4).status != 200)" "http://127.0.0.1:${PORT}/ready"
# exec: uvicorn replaces the shell as PID 1 and gets SIGTERM itself (20 s to finish requests).
# --no-proxy-headers: our own trusted-proxy rules judge X-Forwarded-For (see .env.example).
CMD ["sh", "-c", "exec uvicorn --factory \"$APP_FACTORY\" --host 0.0.0.0 --port \"$PORT\" --no-proxy-headers --no-server-header --timeout-graceful-shutdown 20"]
