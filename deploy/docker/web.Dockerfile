# syntax=docker/dockerfile:1.7
# The Next.js web apps (services/frontend, services/admin-ui): one Dockerfile, one image per app, chosen by
# build arguments. docker-compose.yml and docker-compose.prod.yml pass them; by hand, from the
# repository root (one npm workspace, one package-lock.json, the shared libs/web beside the apps):
#   docker build -f deploy/docker/web.Dockerfile -t zimage/frontend \
#     --build-arg APP_DIR=services/frontend --build-arg PORT=3000 .
#   docker build -f deploy/docker/web.Dockerfile -t zimage/admin-ui \
#     --build-arg APP_DIR=services/admin-ui --build-arg PORT=3001 .
#
# APP_DIR  the app's folder, an npm workspace of the root package.json   services/frontend | services/admin-ui
# PORT     where it listens, exposed and checked                          3000 | 3001
#
# The image runs Next.js's standalone output (`output: "standalone"` in the app's next.config.ts, traced from
# the workspace root): server.js with only the node_modules it needs, no npm, no sources, no dev tools.
# API_ORIGIN (where /api/v1 is streamed to, the gateway) is read when the container starts: compose sets it.
# An ARG is seen only in the stage that declares it, so each stage below declares the ones it uses (none has a
# default: a build without them stops).
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS deps
ENV NEXT_TELEMETRY_DISABLED=1 npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
WORKDIR /app
# Locked packages first: this layer is reused until package-lock.json or a package.json changes. npm reads the
# workspace from every member's package.json, so all of them come in (the same copies for every app's image).
COPY package.json package-lock.json ./
COPY libs/web/package.json libs/web/
COPY services/frontend/package.json services/frontend/
COPY services/admin-ui/package.json services/admin-ui/
ARG APP_DIR
# Only the app's workspace and @zimage/web, plus the root's dev tools the build needs (TypeScript, the types
# its type check reads). No install scripts: the native parts (SWC, Tailwind's oxide, lightningcss) come as
# prebuilt optional packages.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --workspace ${APP_DIR:?} --workspace libs/web --include-workspace-root --ignore-scripts

FROM deps AS build
ENV NODE_ENV=production
ARG APP_DIR
COPY libs/web/ libs/web/
COPY ${APP_DIR:?}/ ${APP_DIR}/
# An app without a public/ folder gets an empty one: the runtime stage copies it either way.
RUN npm run build --workspace ${APP_DIR} && mkdir -p ${APP_DIR}/public

FROM ${NODE_IMAGE} AS runtime
RUN groupadd --system --gid 10001 zimage \
 && useradd --system --uid 10001 --gid zimage --home-dir /app --no-create-home --shell /usr/sbin/nologin zimage
WORKDIR /app
ARG APP_DIR
# .next/standalone mirrors the workspace: node_modules/ at its root, the app's server.js in APP_DIR. It leaves
# out .next/static and public/, which server.js serves from beside itself: they go there.
# Owned by root, read-only to the app; only Next's cache folder is writable.
COPY --from=build /app/${APP_DIR:?}/.next/standalone ./
COPY --from=build /app/${APP_DIR}/.next/static ${APP_DIR}/.next/static
COPY --from=build /app/${APP_DIR}/public ${APP_DIR}/public
RUN mkdir -p ${APP_DIR}/.next/cache && chown zimage:zimage ${APP_DIR}/.next/cache
# Build arguments are gone when the container runs: the command and the health check read these instead.
# HOSTNAME: Docker sets it to the container's id, and the standalone server would listen on that address only.
ARG PORT
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 APP_DIR=${APP_DIR} PORT=${PORT:?} HOSTNAME=0.0.0.0
USER 10001:10001
EXPOSE ${PORT}
# The sign-in page, rendered by the server: answers without the gateway (compose already waits for that).
# Shell form, so that the shell reads PORT from the container's environment; no curl in the image, node asks.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch(process.argv[1], {redirect: 'manual', signal: AbortSignal.timeout(4000)}).then(r => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))" "http://127.0.0.1:${PORT}/login"
# exec: node replaces the shell as PID 1 and gets SIGTERM itself (Next's server closes on it).
CMD ["sh", "-c", "exec node \"$APP_DIR/server.js\""]
