"""Read replicas: requests read from one replica, everything else uses the primary.

The site only reads, so it scales out on replicas. Each request picks one replica at random and
keeps it for all of its queries, so the catalogue version and the page it keys are read from the
same snapshot even when replicas lag by different amounts. Outside a request (the loader,
migrations, shell) and inside a transaction on the primary, reads go to the primary: the loader
must see what it has just written.
"""

import random
import threading

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import DEFAULT_DB_ALIAS, connections

_local = threading.local()


def replica_aliases():
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


def pick_replica(**kwargs):
    replicas = replica_aliases()
    _local.replica = random.choice(replicas) if replicas else None


def forget_replica(**kwargs):
    _local.replica = None


request_started.connect(pick_replica, dispatch_uid="catalogue.routers.pick_replica")
request_finished.connect(forget_replica, dispatch_uid="catalogue.routers.forget_replica")


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        replica = getattr(_local, "replica", None)
        if replica is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return replica

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Replicas hold the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return not db.startswith("replica_")
