# The ITSM image: one image for web (gunicorn), worker and beat (celery); see docker-compose.yml.

# --- source: the checkout without local state -----------------------------------------------------
# Copied in a separate stage so that a developer's .venv, var/ (SQLite database, generated secret key)
# and .git never reach a layer of the final image, even when the build context includes them.
FROM python:3.11-slim AS source
WORKDIR /src
COPY . .
RUN rm -rf .git .venv var tests .ci .pytest_cache .ruff_cache test-results \
    && find . -name __pycache__ -type d -prune -exec rm -rf {} +

# --- the image ------------------------------------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=itsm.settings \
    ITSM_VAR_DIR=/var/lib/itsm \
    MEDIA_ROOT=/data/media \
    DEBUG=0

RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin itsm

WORKDIR /app

# Runtime dependencies only (no test tools), at exactly the versions pinned in requirements.lock.
COPY pyproject.toml requirements.lock ./
RUN pip install --no-cache-dir uv==0.13.9 \
    && uv pip install --system --no-cache -r pyproject.toml -c requirements.lock \
    && pip uninstall -y uv

COPY --from=source /src /app

# Static files are collected into the image (WhiteNoise serves them with hashed names). The key below only
# lets settings load for this step; the real SECRET_KEY comes from the environment at run time.
RUN SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput -v0 \
    && mkdir -p "$ITSM_VAR_DIR/celery" "$MEDIA_ROOT" \
    && chown -R itsm:itsm "$ITSM_VAR_DIR" "$MEDIA_ROOT"

USER itsm
EXPOSE 8000

# Migrations are not run here: docker-compose.yml runs them once in its `migrate` service before web starts.
CMD ["gunicorn", "itsm.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
