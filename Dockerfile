# syntax=docker/dockerfile:1
#
# ruststack image: a drop-in for the LocalStack container on port 4566.
#
#   docker build -t ruststack:local .
#   docker run --rm -p 127.0.0.1:4566:4566 ruststack:local
#
# State is in memory unless RUSTSTACK_DATA_DIR (or --data-dir) is set; the volume
# /var/lib/ruststack is there for it (docker-compose.yml sets it). Init hooks go in
# /etc/localstack/init/{boot.d,start.d,ready.d,shutdown.d}, as with LocalStack; this image
# has /bin/sh for *.sh hooks but no python3 (*.py hooks) and no awslocal.

# --- build -------------------------------------------------------------------------------
FROM rust:1.95-bookworm AS builder
WORKDIR /src

# The whole workspace (Cargo.toml, Cargo.lock, src, protocol, storage, tests, and services
# once it holds crates); .dockerignore keeps target/, .git and caches out. One COPY of the
# context rather than one per directory, because a COPY of a directory that does not exist
# in the checkout (an empty services/ is not in git) fails the build.
COPY . .

# The cache mounts keep the registry and target/ between builds; the binary is copied out
# of the target/ mount, which is not part of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin ruststack \
    && install -m 0755 target/release/ruststack /usr/local/bin/ruststack

# --- runtime -----------------------------------------------------------------------------
FROM debian:bookworm-slim

# ca-certificates for outbound TLS, curl for the HEALTHCHECK.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*

# Non-root user (uid/gid 1000) with its own home, so nothing but state lands in the data
# directory (ruststack refuses a data directory holding files it does not know).
# /var/lib/localstack is where PERSISTENCE=1 keeps state when no data directory is named,
# so LocalStack-style configurations work unchanged.
RUN groupadd --gid 1000 ruststack \
    && useradd --uid 1000 --gid 1000 --create-home --home-dir /home/ruststack \
        --shell /usr/sbin/nologin ruststack \
    && mkdir -p /var/lib/ruststack /var/lib/localstack \
        /etc/localstack/init/boot.d /etc/localstack/init/start.d \
        /etc/localstack/init/ready.d /etc/localstack/init/shutdown.d \
    && chown ruststack:ruststack /var/lib/ruststack /var/lib/localstack

COPY --from=builder /usr/local/bin/ruststack /usr/local/bin/ruststack

# Listen on every interface inside the container (the binary's default is 127.0.0.1).
# This takes precedence over the host part of GATEWAY_LISTEN; its port is still honoured.
ENV RUSTSTACK_HOST=0.0.0.0
# Fastly Compute apps (--fastly-wasm / RUSTSTACK_FASTLY_WASM) are also served here, as
# `fastly compute serve` serves them; every app is reachable through 4566 as well.
ENV RUSTSTACK_FASTLY_ADDR=0.0.0.0:7676
EXPOSE 4566 7676
VOLUME /var/lib/ruststack

# Assumes the default port 4566: override the healthcheck too if RUSTSTACK_PORT changes it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s \
    CMD curl -fsS http://127.0.0.1:4566/_localstack/health || exit 1

USER ruststack
# Exec form: ruststack itself receives SIGTERM from `docker stop`, drains, runs the
# shutdown.d hooks and exits 0.
ENTRYPOINT ["/usr/local/bin/ruststack"]
