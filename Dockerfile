FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-dejavu-core curl postgresql-client \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
RUN DEBUG=0 SECRET_KEY=build-only-not-secret STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput \
 && useradd --create-home --uid 1000 portal && mkdir -p /app/var && chown -R portal /app/var
USER portal

ENV STATIC_ROOT=/app/staticfiles VAR_DIR=/app/var
EXPOSE 8000
CMD ["gunicorn", "cooperativa.wsgi:application", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000"]
