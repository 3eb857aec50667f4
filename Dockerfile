# krispyto in a container: a Rust builder stage, then the binary alone on a slim Debian.
#
#   docker build -t krispyto .
#   docker run -p 8000:8000 --env-file .env -v krispyto-data:/var/lib/krispyto krispyto
#
# Base images are build arguments so they can be swapped (a pinned digest, a mirror, or the
# local images deploy/local-images.sh makes where no registry is reachable):
#   docker build --build-arg RUST_IMAGE=krispyto-rust:local \
#                --build-arg RUNTIME_IMAGE=debian:bookworm-slim -t krispyto .
# The runtime image must be glibc-based (the binary links glibc) and have useradd, e.g.
# debian:bookworm-slim or ubuntu; for distroless drop the useradd line and use its nonroot user.
ARG RUST_IMAGE=rust:1-slim-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${RUST_IMAGE} AS builder
WORKDIR /build

# Dependencies in their own layer: built from Cargo.toml and Cargo.lock alone against stub
# sources, so a change to src/ rebuilds krispyto and nothing else.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && for bench in analytics csv_parse; do echo 'fn main() {}' > "benches/$bench.rs"; done \
 && cargo build --release --locked --bin krispyto \
 && rm -rf src benches

COPY benches benches
COPY migrations migrations
COPY web web
COPY src src
# The stubs' build is newer than the real sources' copied timestamps: make cargo rebuild ours.
RUN touch src/main.rs src/lib.rs \
 && cargo build --release --locked --bin krispyto \
 && cp target/release/krispyto /usr/local/bin/krispyto

FROM ${RUNTIME_IMAGE}
# A fixed non-root uid/gid, so volume ownership and `runAsNonRoot` policies can name it.
RUN groupadd --system --gid 10001 krispyto \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/krispyto --no-create-home \
      --shell /usr/sbin/nologin krispyto \
 && mkdir -p /var/lib/krispyto \
 && chown 10001:10001 /var/lib/krispyto
COPY --from=builder /usr/local/bin/krispyto /usr/local/bin/krispyto

# Inside the image the server listens on every interface; the SQLite default lives on the
# volume. Set DATABASE_URL=postgres://... to use PostgreSQL instead.
ENV KRISPYTO_ADDR=0.0.0.0:8000 \
    DATABASE_URL=sqlite:///var/lib/krispyto/krispyto.db \
    KRISPYTO_LOG_FORMAT=json
WORKDIR /var/lib/krispyto
VOLUME ["/var/lib/krispyto"]
USER 10001:10001
EXPOSE 8000
# `krispyto health` asks /readyz (the database answers); the image needs no curl. The start
# period covers migrations and a first import with --data / KRISPYTO_DATA.
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 \
  CMD ["krispyto", "health"]
ENTRYPOINT ["krispyto"]
CMD ["serve"]
