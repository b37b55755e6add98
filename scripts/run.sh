#!/usr/bin/env bash
# The embedded portal: SQLite, a file-system Celery broker, worker + beat, demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-1}"
PY=.venv/bin/python
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"

mkdir -p var
$PY manage.py migrate --noinput >/dev/null
$PY manage.py seed_demo

.venv/bin/celery -A cooperativa worker --beat --pool=solo --loglevel=INFO \
  --schedule=var/celerybeat-schedule >var/celery.log 2>&1 &
CELERY_PID=$!
trap 'kill $CELERY_PID 2>/dev/null || true' EXIT INT TERM

cat <<BANNER

  Cooprogreso en Línea:  http://$HOST:$PORT/
  Back office:           http://$HOST:$PORT/backoffice/
  Usuarios de demostración (contraseña Demo\$2026abc):
    sociodemo1      socio (también sociodemo2, sociodemo3)
    empadmin01      empresa · administrador
    empingresa01    empresa · ingresador
    empautoriza01   empresa · autorizador
    backoffice      personal de la cooperativa (back office)
  Códigos de verificación y credenciales: el archivo más reciente en var/mail/ (o var/sms/)
  Celery worker + beat: registro en var/celery.log

BANNER
$PY manage.py runserver "$HOST:$PORT"
