"""The portal's own settings plus one bench-only URL: a bare template view served by the same
Django, middleware and gunicorn as the position page, so the ratio measures what the page itself
costs over Django serving a template."""

from cooperativa.settings import *  # noqa: F403

ROOT_URLCONF = "tests.benchmarks.bench_urls"
