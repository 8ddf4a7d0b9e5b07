# Production image of SPIE. The same image runs the web server (default command), the Celery
# worker and Celery beat: see docker-compose.yml. Configuration comes from the environment
# (.env.example lists the variables).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=spie.settings.base

# Native libraries of WeasyPrint (Pango, HarfBuzz) and fonts for the PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libffi8 \
        fontconfig fonts-dejavu-core fonts-liberation \
        postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 spie \
    && useradd --system --uid 1000 --gid spie --home-dir /app --no-create-home --shell /usr/sbin/nologin spie

WORKDIR /app

# Dependencies first, in their own layer: rebuilt only when pyproject.toml changes.
# (The project declares no package: `pip install .` installs its runtime dependencies only, not the
# `local` (embedded servers) and `dev` (test tools) extras of pyproject.toml.)
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# Static files are collected at build time and served by WhiteNoise. The settings need these
# variables to load; nothing connects to a database or to Redis here.
RUN SECRET_KEY=build-only-not-a-secret \
    DATABASE_URL=postgresql://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var/private \
    && chown -R spie:spie /app/var

# The code stays owned by root (read-only for the app); only var/ (private files) is writable.
USER spie

EXPOSE 8000
CMD ["gunicorn", "spie.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
