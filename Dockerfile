# syntax=docker/dockerfile:1
# ecs-lens: the dashboard and CLI in one small, non-root image whose root filesystem can be
# mounted read-only (all state goes to /data; deploy/ecs-lens.taskdef.json runs it on Fargate).
#
#   docker build -t ecs-lens .
#   docker run --rm -p 3000:3000 -v ecs-lens-data:/data ecs-lens serve --bind 0.0.0.0:3000 --read-only

# ---- build: the same set-up script as the README's run command, then a release build ----
FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN bash scripts/setup.sh \
 && PATH="/usr/local/cargo/bin:$PATH" cargo leptos build --release --split \
 && cp target/release/ecs-lens /ecs-lens \
 && cp -r target/site /site

# ---- run: glibc, CA certificates and a non-root user, nothing else (no shell) ----
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /ecs-lens /ecs-lens
COPY --from=build /site /site
ENV LEPTOS_SITE_ROOT=/site \
    ECS_LENS_DATA_DIR=/data
VOLUME /data
USER 65532:65532
EXPOSE 3000
# No shell or curl in the image: the health check is the binary itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s CMD ["/ecs-lens", "probe", "http://127.0.0.1:3000/"]
ENTRYPOINT ["/ecs-lens"]
CMD ["serve", "--bind", "0.0.0.0:3000", "--read-only"]
