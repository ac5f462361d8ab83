# syntax=docker/dockerfile:1
# flowc: the compiler/reconciler of one tenant stack. Build: `docker build -t flowc .`
# Runs as a non-root user; the tenant repo is a volume at /repo; secrets come in at run time
# (GIT_TOKEN_FILE, BLD_KEY, LANGSERVE_RESTART_TOKEN) and are never baked into a layer.

# ---- build: compile TypeScript, install production node_modules, build the Python venv ----
FROM node:20.20.2-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python3-pip \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json ./
COPY src ./src
COPY scripts/bundle.mjs ./scripts/bundle.mjs
RUN npm run build && npm prune --omit=dev --no-audit --no-fund
# The pinned Python environment: black + pytest for validation, LangChain for `validate: smoke`.
COPY python/requirements.txt ./python/requirements.txt
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check -r python/requirements.txt

# ---- runtime: node + git + python3, no compilers, no npm cache, no dev dependencies ----
FROM node:20.20.2-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends git python3 ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 flowc \
 && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/flowc --shell /usr/sbin/nologin flowc \
 && mkdir -p /repo \
 && chown flowc:flowc /repo
COPY --from=build /opt/venv /opt/venv
WORKDIR /opt/flowc
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY templates ./templates
# A LangServe host replica's entry point (manifests: flowc-host, compose: host).
COPY scripts/host-replica.sh ./scripts/host-replica.sh
# Python helpers flowc runs at run time (e.g. the validator's checker), read from src/ beside dist/.
COPY src/python/*.py ./src/python/
# `flowc init` derives a tenant's requirements.txt from flowc's pins.
COPY python/requirements.txt ./python/requirements.txt
RUN ln -s /opt/flowc/bin/flowc.js /usr/local/bin/flowc
ENV NODE_ENV=production \
    FLOWC_PYTHON=/opt/venv/bin/python \
    PYTHONDONTWRITEBYTECODE=1 \
    FLOWC_LISTEN=0.0.0.0:8081 \
    FLOWC_WEBHOOK_LISTEN=0.0.0.0:8081 \
    HOME=/home/flowc
USER 10001:10001
WORKDIR /repo
EXPOSE 8081
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8081/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini reaps git's children and forwards SIGTERM so the reconciler finishes its pass cleanly.
ENTRYPOINT ["tini", "--", "flowc", "reconcile"]
