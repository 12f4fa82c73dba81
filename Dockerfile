# Mawjly container image: the compiled executable on a slim Debian base (it links against glibc, so
# no Alpine/musl, and needs nothing else: SQLite, migrations and assets are inside the binary).
#
#   npm run build
#   docker build -t mawjly .
#   docker run -p 6001:6001 -v mawjly-data:/var/lib/mawjly mawjly
#
# For arm64: docker build --platform linux/arm64 --build-arg BINARY=dist/mawjly-linux-arm64 -t mawjly .
FROM debian:bookworm-slim

ARG BINARY=dist/mawjly-linux-x64

# A fixed uid/gid so volume ownership stays stable across image rebuilds.
RUN groupadd --system --gid 10001 mawjly \
 && useradd --system --uid 10001 --gid mawjly --home-dir /var/lib/mawjly --shell /usr/sbin/nologin mawjly \
 && mkdir -p /var/lib/mawjly \
 && chown mawjly:mawjly /var/lib/mawjly \
 && chmod 0700 /var/lib/mawjly

COPY --chmod=0755 ${BINARY} /usr/local/bin/mawjly

ENV MAWJLY_HOST=0.0.0.0 \
    MAWJLY_PORT=6001 \
    MAWJLY_DATA_DIR=/var/lib/mawjly

# Declared after the chown so a new named volume starts owned by mawjly.
VOLUME /var/lib/mawjly
WORKDIR /var/lib/mawjly
USER mawjly:mawjly
EXPOSE 6001

# The slim image has no curl; bash's /dev/tcp is enough for a GET /health.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${MAWJLY_PORT} && printf 'GET /health HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && grep -q '\"ok\"' <&3"]

# The server handles SIGTERM itself (clean exit 0), so it can run as PID 1 without an init.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/mawjly"]
CMD ["serve"]
