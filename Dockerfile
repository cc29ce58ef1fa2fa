# syntax=docker/dockerfile:1
#
# kubeblog container image.
#
#   docker build -t ghcr.io/kubeblog/kubeblog:0.1.0 \
#     --build-arg VERSION=0.1.0 --build-arg GIT_REVISION="$(git rev-parse HEAD)" .
#
# Two stages on the same pinned official Node LTS base: "build" compiles the
# TypeScript with the dev dependencies and then drops them; the runtime stage gets
# only the production node_modules, the compiled JavaScript, the seed posts and
# package.json. It runs as the numeric non-root user 1000:1000 (the base image's
# `node` user), works with a read-only root filesystem (the app writes nothing;
# /tmp is the only place that may need to be writable), and starts `node` directly
# in exec form so SIGTERM reaches the app (npm does not forward it).
#
# test/container/build-and-run.sh builds and runs this file unchanged with buildah
# and podman (see there for the local stand-in of the base image).

############################ build ############################
FROM node:24.21.0-bookworm-slim AS build

WORKDIR /app

# Dependencies first so the layer is reused while package*.json are unchanged.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=warn

COPY tsconfig.json tsconfig.build.json ./
# The build's helper scripts (copy the theme assets, write dist/build-info.json).
COPY scripts/*.mjs scripts/
COPY src/ src/

# The git revision is baked into dist/build-info.json (for /version and
# kubeblog_build_info); there is no .git in the build context.
ARG GIT_REVISION=unknown
RUN GIT_REVISION="${GIT_REVISION}" npm run build \
 && npm prune --omit=dev --no-audit --no-fund --loglevel=warn

########################### runtime ###########################
FROM node:24.21.0-bookworm-slim AS runtime

# Under a container memory limit of 256Mi or 512Mi, V8 sizes each young-generation semi-space at 1 MB
# (4 MB at 1Gi, 16 MB without a limit), and a loaded blog collected it ~120 times a second; 4 MB served
# 6-30 % more requests on Node 20 and 9-43 % on this Node 24 (one run), for 4-9 MB more RSS
# (README, "Speed"). Override NODE_OPTIONS to change it.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=4 \
    PORT=8080 \
    METRICS_PORT=9464 \
    POSTS_DIR=/app/posts

WORKDIR /app

# Owned by root and read-only for uid 1000: the app cannot modify its own code.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY posts/ ./posts/

USER 1000:1000

EXPOSE 8080 9464

# Labels last: a new revision then only re-creates these metadata layers.
ARG VERSION=0.1.0
ARG GIT_REVISION=unknown
ARG SOURCE=https://github.com/kubeblog/kubeblog

LABEL org.opencontainers.image.title="kubeblog" \
      org.opencontainers.image.description="A Markdown blog that runs on the platform it writes about: Express 5, Prometheus metrics, probes, Helm chart." \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${GIT_REVISION}" \
      org.opencontainers.image.licenses="MIT"

ENTRYPOINT ["node", "dist/src/main.js"]
CMD []
