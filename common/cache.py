"""Redis as a cache that an outage only slows down.

Everything the portal keeps in the cache is either a copy (reads may miss) or a counter that
guards a limit (how many account holders a member may look up in an hour). While Redis is
stopped or hung, ``ResilientRedisCache``:

- answers reads as misses and drops writes (fail open: the page is built without its copy);
- refuses counters, ``add`` and ``incr``, with ``CacheUnavailable`` (fail closed: a limit that
  cannot be counted is not lifted), a ``Refusal`` whose message the person reads;
- after one failure, does not ask Redis again for ``RETRY_AFTER`` seconds, so a hung server
  costs one short timeout (settings ``REDIS_TIMEOUT``) every few seconds, not one per call.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext

from common.refusal import Refusal

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0


class CacheUnavailable(Refusal):
    """A limit kept in the cache cannot be counted now: the step is refused."""

    def __init__(self):
        super().__init__(
            gettext(
                "Este paso no está disponible en este momento. Intenta nuevamente en unos minutos."
            )
        )


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    _down_until = 0.0  # per process: monotonic time before which Redis is not asked

    def _try(self, call, *args):
        """``call(*args)``, or ``_MISSING`` when Redis is away (now or a moment ago)."""
        if time.monotonic() < ResilientRedisCache._down_until:
            return _MISSING
        try:
            return call(*args)
        except _redis_errors() as exc:
            ResilientRedisCache._down_until = time.monotonic() + RETRY_AFTER
            logger.warning("Redis no responde (caché): %s", exc)
            return _MISSING

    # Reads: a miss.
    def get(self, key, default=None, version=None):
        found = self._try(super().get, key, default, version)
        return default if found is _MISSING else found

    def get_many(self, keys, version=None):
        found = self._try(super().get_many, keys, version)
        return {} if found is _MISSING else found

    def has_key(self, key, version=None):
        return self._try(super().has_key, key, version) is True

    # Writes: dropped.
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._try(super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        done = self._try(super().set_many, data, timeout, version)
        return list(data) if done is _MISSING else done

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(super().touch, key, timeout, version) is True

    def delete(self, key, version=None):
        return self._try(super().delete, key, version) is True

    def delete_many(self, keys, version=None):
        self._try(super().delete_many, keys, version)

    def clear(self):
        return self._try(super().clear) is not _MISSING

    # Counters: refused.
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._counted(super().add, key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        return self._counted(super().incr, key, delta, version)

    def _counted(self, call, *args):
        found = self._try(call, *args)
        if found is _MISSING:
            raise CacheUnavailable()
        return found


class _Missing:
    pass


_MISSING = _Missing()
