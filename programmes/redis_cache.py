"""Django's Redis cache, made to fail fast and stay out of the way while Redis is unwell.

The catalogue's pages and facet counts can always be computed from the database, so the cache is
an optimisation: a Redis that is gone, frozen or refusing writes must cost a request at most about
one socket timeout (CACHE_TIMEOUT_MS, 50 ms by default), never seconds, and must not be asked
again and again while it is down. Each cache operation that fails opens a circuit for
CACHE_RETRY_SECONDS, shared by every thread of the process: until then every operation answers at
once as a miss (reads give the default, writes are dropped), and then one request tries Redis
again.
"""

import logging
import threading
import time
from functools import wraps

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# What an operation answers while the circuit is open: a miss, or a write that did not happen.
MISS = {
    "get": lambda args, kwargs: kwargs.get("default", args[1] if len(args) > 1 else None),
    "get_many": lambda args, kwargs: {},
    "has_key": lambda args, kwargs: False,
    "add": lambda args, kwargs: False,
    "touch": lambda args, kwargs: False,
    "delete": lambda args, kwargs: False,
    "set": lambda args, kwargs: None,
    "set_many": lambda args, kwargs: list(args[0]) if args else [],
    "delete_many": lambda args, kwargs: None,
    "clear": lambda args, kwargs: False,
}


class Circuit:
    """Closed until an operation fails; then open (skip Redis) for `retry_after` seconds."""

    def __init__(self, retry_after):
        self.retry_after = retry_after
        self.open_until = 0.0
        self.lock = threading.Lock()

    def is_open(self):
        return time.monotonic() < self.open_until

    def trip(self, name, exc):
        with self.lock:
            if not self.is_open():
                logger.warning(
                    "cache unavailable (%s: %s); skipping it for %s s",
                    name,
                    exc,
                    self.retry_after,
                )
            self.open_until = time.monotonic() + self.retry_after


# One circuit per process for each cache configuration: Django makes a cache object per thread,
# and a circuit of each would have every thread of a worker (up to 256) pay its own timeout
# before it leaves a failed Redis alone.
_circuits = {}
_circuits_lock = threading.Lock()


def circuit_for(configuration, retry_after):
    with _circuits_lock:
        circuit = _circuits.get(configuration)
        if circuit is None:
            circuit = _circuits[configuration] = Circuit(retry_after)
        return circuit


def _guarded(name):
    operation = getattr(RedisCache, name)

    @wraps(operation)
    def guarded(self, *args, **kwargs):
        if self.circuit.is_open():
            return MISS[name](args, kwargs)
        try:
            return operation(self, *args, **kwargs)
        except Exception as exc:  # redis-py's errors and the OS's: the cache is optional
            self.circuit.trip(name, exc)
            return MISS[name](args, kwargs)

    return guarded


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        retry_after = options.pop("retry_seconds", 30)
        timeout = options.pop("timeout_ms", 50) / 1000
        # redis-py waits forever by default: a frozen server would hold every request.
        options.setdefault("socket_timeout", timeout)
        options.setdefault("socket_connect_timeout", timeout)
        options.setdefault("retry_on_timeout", False)
        super().__init__(server, {**params, "OPTIONS": options})
        configuration = repr((server, sorted((k, repr(v)) for k, v in params.items())))
        self.circuit = circuit_for(configuration, retry_after)


for _name in MISS:
    setattr(ResilientRedisCache, _name, _guarded(_name))
