"""The Redis cache keeps one client per connection pool (`spie.cache`)."""

import threading

from django.core.cache import caches

from spie.cache import RedisCache


def test_the_project_uses_it_and_it_stores_values():
    backend = caches["default"]
    assert isinstance(backend, RedisCache)
    backend.set("spie:test-cache", {"nom": "Dupont"}, 30)
    assert backend.get("spie:test-cache") == {"nom": "Dupont"}
    backend.delete("spie:test-compteur")
    assert backend.add("spie:test-compteur", 1, 30) and backend.incr("spie:test-compteur") == 2
    backend.delete("spie:test-cache")
    assert backend.get("spie:test-cache") is None


def test_one_client_per_pool_safe_to_share_between_threads():
    # Django gives each thread its own backend; even so, the client one backend keeps serves any thread.
    backend = caches["default"]
    client = backend._cache.get_client()
    assert backend._cache.get_client(write=True) is client
    results, clients = {}, []

    def write_and_read(n):
        clients.append(backend._cache.get_client())
        backend.set(f"spie:test-fil-{n}", n, 30)
        results[n] = backend.get(f"spie:test-fil-{n}")

    threads = [threading.Thread(target=write_and_read, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {n: n for n in range(8)}
    assert all(other is client for other in clients)
