"""Django's Redis cache, with one client object kept per connection pool.

Django's own ``RedisCacheClient`` builds a new ``redis.Redis`` for every operation, and each one
rebuilds redis-py's table of ~170 response callbacks: with three cache operations per API request
(the key, the throttle's counter) that was a measurable share of a list page. A ``redis.Redis`` is
safe to share between threads (each command borrows a connection from the pool).
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
