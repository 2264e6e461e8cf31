# agentwatch container image: compiled once in a build stage, shipped with production
# dependencies only, run as the unprivileged `node` user.
# Used by docker-compose.yml; `docker build -t agentwatch .` builds it on its own.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY detectors ./detectors
COPY alerts ./alerts
COPY bench ./bench
# The web console (/ui): bundled by esbuild into dist/ui.
COPY console ./console
COPY scripts/build-ui.ts ./scripts/
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node examples ./examples
COPY --chown=node:node rules ./rules
USER node
# SIGTERM from `docker stop` reaches node directly (exec form), which shuts down cleanly.
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["--help"]
