# Pampero container image: one image for every role (docs/deploy.md).
#   docker build -t pampero:0.1.0 .
#   docker run --rm pampero:0.1.0 --help
#   docker run -d -p 5222:5222 -p 5223:5223 -p 5280:5280 -v pampero-data:/var/lib/pampero pampero:0.1.0
#   docker run ... pampero:0.1.0 start --role gateway --redis redis://redis:6379
# The entry point is the `pampero` CLI, so `docker run IMAGE user add alice --password …` works too.

# ---- build: every dependency, compile TypeScript, then drop the dev dependencies ----------------
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here; lmdb and uWebSockets.js
# ship prebuilt binaries for linux-x64/arm64 glibc, which is what the runtime stage is.
RUN npm ci --ignore-scripts --no-audit --no-fund
# lmdb rebuilt with the fix for LMDB's ITS#9496 (several processes on one data directory; the
# build image has the compiler): scripts/lmdb-its9496.mjs, docs/cluster.md.
COPY scripts/lmdb-its9496.mjs ./scripts/
RUN node scripts/lmdb-its9496.mjs --require
COPY tsconfig.json ./
COPY cli ./cli
COPY gateway ./gateway
COPY components ./components
COPY shared ./shared
COPY loadtest ./loadtest
RUN npx tsc -p tsconfig.json && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime: Node, production dependencies and dist/ only, as an unprivileged user ----------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PAMPERO_DATA_DIR=/var/lib/pampero
WORKDIR /opt/pampero
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# Read at run time from the sources' folders: the admin console's static files and the OpenAPI
# description it links to (shared/admin/attach-admin.ts).
COPY shared/admin/console ./shared/admin/console
COPY docs/admin-api.openapi.yaml ./docs/admin-api.openapi.yaml
COPY deploy/config ./deploy/config
# Elasticsearch index templates, put at start by the incident and health-snapshot stores.
COPY deploy/elasticsearch ./deploy/elasticsearch
# uid/gid 10001: no clash with the image's `node` user (1000) nor with host users in bind mounts.
RUN groupadd --system --gid 10001 pampero \
 && useradd --system --uid 10001 --gid pampero --home-dir /var/lib/pampero --shell /usr/sbin/nologin pampero \
 && mkdir -p /var/lib/pampero /etc/pampero \
 && chown pampero:pampero /var/lib/pampero
USER 10001:10001
VOLUME ["/var/lib/pampero"]
# 5222 c2s STARTTLS, 5223 c2s direct TLS, 5275 XEP-0114 component port (routers),
# 5280 HTTP (/metrics /healthz /readyz, WebSocket, BOSH, host-meta), 5285 admin API (loopback by default).
EXPOSE 5222 5223 5275 5280 5285
# /readyz is 503 while starting and while draining (docs/metrics.md); no curl in the slim image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PAMPERO_HTTP_PORT||5280)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM stops cleanly (sessions closed, storage flushed) within 15 s (docs/cli.md).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "--max-semi-space-size=4", "dist/cli/pampero.cjs"]
CMD ["start"]
