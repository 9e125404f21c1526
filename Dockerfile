# token-bff container image.
#   docker build -t token-bff .
#   docker run --rm -p 3000:3000 --env-file .env token-bff
# NODE_ENV=production is baked in (.env.example leaves NODE_ENV unset, so an .env
# made from it keeps it), so SESSION_SECRET, TOKEN_ENCRYPTION_KEY (or their
# *_FILE forms), REDIS_URL and an https PUBLIC_BASE_URL must be provided at run
# time, and HTTPS served: TLS_CERT_FILE/TLS_KEY_FILE, or a TLS-terminating proxy
# named in TRUST_PROXY. docker-compose.yml wires all of it (README, "Running
# with docker compose").

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: compile TypeScript to dist/ --------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies + compiled output only ------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /app/dist ./dist
# The operator commands: `docker compose exec token-bff token-bff sessions revoke user-1`.
RUN chmod 755 dist/cli.js && ln -s /app/dist/cli.js /usr/local/bin/token-bff
# The developer console's static files (served only when CONSOLE_ENABLED=true in production).
COPY console ./console
# The frontend client module, served at /client/token-bff-client.js (read once at start).
COPY client/dist ./client/dist
# Apache-2.0 asks that a redistributed copy carries the licence.
COPY LICENSE ./

# Files stay root-owned (read-only for the app); the process runs unprivileged.
USER node
EXPOSE 3000

# Liveness only: GET /healthz answers 200 while the process runs (slim images
# have no curl, so node's own fetch does the probe).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Exec form: node is PID 1 and receives SIGTERM itself; the app drains
# in-flight requests (SHUTDOWN_TIMEOUT_SECONDS), closes Redis and exits 0.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
