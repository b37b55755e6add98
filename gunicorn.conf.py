"""gunicorn's settings for the portal (gunicorn reads ./gunicorn.conf.py by itself; the command
line still wins over it). Each can be changed from the environment:

    gunicorn cooperativa.wsgi:application --config gunicorn.conf.py --bind 0.0.0.0:8000
"""

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


# Sync workers, one request at a time each: 3 fit the 2-core machines this runs on (about
# 100 MB each) with a request or two waiting on the database. WEB_CONCURRENCY is what hosting
# platforms set.
workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", 3))

# Recycle each worker after about this many requests. PDFs are rendered in child processes
# (common.pdf), which took away the leak that grew workers to 400 MB; this is the backstop for
# any slower growth (caches, a library's leak, heap fragmentation). Each restart costs about a
# second of CPU (0.55 s importing the portal, 0.35 s more on its first pages); at 2,000 that was
# three restarts a minute at full load, 4% of the web CPU, so it is 10,000. The jitter spreads
# the restarts so the workers, started together, do not all restart together. 0 turns it off.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 1000)

# A worker silent this long is killed and replaced. Above PDF_RENDER_TIMEOUT (45 s), so a slow
# document fails with its own message before the worker itself is killed mid-request.
timeout = _int("GUNICORN_TIMEOUT", 60)

# On a restart, a deploy or max_requests, a worker finishes what it is serving for up to this
# long. Keep the container's stop grace period above it (docker's default is 10 s).
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)

# The workers' heartbeat file. In a container /tmp is often on overlayfs, where the heartbeat's
# fchmod can stall and gunicorn then kills healthy workers; /dev/shm is memory. (gunicorn makes
# the file with mkstemp: a private, unpredictable name, which is what ruff's S108 asks for.)
SHM = "/dev/shm"  # noqa: S108
if os.path.isdir(SHM):
    worker_tmp_dir = SHM

# One line per request to stdout, where the container's logs are collected ("" turns it off).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
