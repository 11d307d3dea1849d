# gitops-guard as a container image: the binary only, on a distroless base, as a non-root user.
#
#   docker build -t gitops-guard .
#   docker run --rm -u "$(id -u):$(id -g)" -v "$PWD:/src" -w /src gitops-guard check
#
# Both bases are pinned by digest (a tag can be moved, a digest cannot). To move to a newer
# base, resolve the new tag's digest (`docker buildx imagetools inspect <tag>`) and replace tag
# and digest together. The builder's Debian release must match the runtime's (bookworm =
# debian12): the binary links the builder's glibc.
#
# gitops-guard reads the git index and objects itself (libgit2, linked in), so the runtime
# needs no `git`. zlib is linked statically (LIBZ_SYS_STATIC) because the distroless `cc` base
# has glibc and libgcc but no libz.

FROM rust:1.95.0-slim-bookworm@sha256:d7482085ff5b415f84dba5647ae71606650bdef00db7aeb69f4b3d170c3e4082 AS build
ENV LIBZ_SYS_STATIC=1 \
    CARGO_PROFILE_RELEASE_STRIP=symbols \
    CARGO_TERM_COLOR=never
WORKDIR /build
COPY Cargo.toml Cargo.lock ./
COPY src ./src
# The crate's own [profile.release], symbols stripped; --locked: exactly the reviewed Cargo.lock.
RUN cargo build --locked --release --bin gitops-guard

FROM gcr.io/distroless/cc-debian12:nonroot@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f
COPY --from=build /build/target/release/gitops-guard /usr/local/bin/gitops-guard
# distroless's `nonroot` user (65532), by number so that the runtime need not resolve a name.
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["gitops-guard"]
CMD ["check"]
