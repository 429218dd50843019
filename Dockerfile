# The mutualaid image: one image, two commands (web and scheduler; see deploy/entrypoint.sh).
#   docker compose up -d            (compose.yaml: PostgreSQL, Redis, web, scheduler, Caddy for HTTPS)
#   docker build -t mutualaid .     (the image alone)

# Build: install the requirements into a virtualenv and compile the translations.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# Without the compiled catalogues every Spanish page and text falls back to English.
RUN pybabel compile -d translations

# Run: the virtualenv and the app, owned by root and run by an unprivileged user who may write only
# the instance folder.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MUTUALAID_ENV=production
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin mutualaid
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
RUN mkdir -p /app/instance && chown mutualaid:mutualaid /app/instance
USER mutualaid
EXPOSE 8000
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
