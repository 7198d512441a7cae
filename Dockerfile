# The image of the API, the worker and the scheduler: `docker build -t loyalty .`, then see
# compose.yaml for the services it needs.

FROM python:3.11-slim AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# The build toolchain, pinned: the package is built with this setuptools (at or above the
# floor pyproject.toml declares in [build-system]), not with whatever pip would fetch.
RUN pip install "pip==26.3" "setuptools==80.9.0" "wheel==0.45.1"
WORKDIR /src
# Dependencies first, from pyproject.toml alone: this layer is reused until they change.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
    && pip install -r requirements.txt
COPY README.md ./
COPY api ./api
COPY schema ./schema
COPY loyalty ./loyalty
COPY workers ./workers
COPY migrations ./migrations
RUN pip install --no-deps --no-build-isolation .

FROM python:3.11-slim AS runtime
RUN useradd --uid 10001 --user-group --create-home --home-dir /app --shell /usr/sbin/nologin loyalty
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    LOYALTY_ENV=production
WORKDIR /app
USER loyalty
EXPOSE 8000 9100
# The API's readiness (each dependency answers); compose gives the worker and the scheduler
# their own check on their status port (STATUS_PORT).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["loyalty", "health-check", "http://127.0.0.1:8000/readyz"]
CMD ["loyalty", "serve", "--host", "0.0.0.0", "--port", "8000"]
