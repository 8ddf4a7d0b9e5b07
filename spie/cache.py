"""The cache backend: Django's Redis cache, keeping one Redis client per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every command; building one copies the
client's table of response callbacks (a few hundred entries), about 0.1 ms, and every page makes several cache
calls (the session is read and saved each time). A `redis.Redis` is safe to share between threads: it takes a
connection from its pool for each command (redis-py's documentation), and the pool checks the process id, so
sharing survives a fork too.
"""

import logging

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

logger = logging.getLogger(__name__)


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient


class ResilientRedisCache(RedisCache):
    """The cache of the project: when Redis is down or slow, it answers as an empty cache instead of raising.

    Nothing of value lives only in the cache (sessions are in PostgreSQL): a page or an API call must not fail
    because of it. What this means, documented in the README ("Pannes et sauvegardes"): reads miss, writes are
    dropped, so the API's per-token throttling lets calls through while Redis is down. The login and the other
    account forms do not: `spie.middleware_resilience.AccountsNeedCacheMiddleware` refuses them (fail closed)
    before allauth's rate limits would run on an empty cache. `add` answers True: allauth takes a lock with
    `while not cache.add(...)`, which would loop for ever on False.
    """

    def _guard(self, method, fallback, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except redis.RedisError as exc:
            logger.warning("Cache indisponible (%s) : %s ignoré.", type(exc).__name__, method.__name__)
            return fallback

    def get(self, key, default=None, version=None):
        return self._guard(super().get, default, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._guard(super().has_key, False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(super().set, None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(super().set_many, list(data), data, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(super().add, True, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(super().touch, False, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard(super().delete, False, key, version)

    def delete_many(self, keys, version=None):
        return self._guard(super().delete_many, None, keys, version)

    def ping(self) -> bool:
        """Whether Redis answers now (within the socket timeouts)."""
        try:
            return bool(self._cache.get_client(write=True).ping())
        except redis.RedisError:
            return False
