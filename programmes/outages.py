"""Whether an error means the database cannot be reached, as opposed to a fault in the code: the
error pages answer it with a quick 503, and a streamed download with a clean end."""

from django.db import InterfaceError, OperationalError

# Errors that mean "the database cannot be reached or is overloaded", not "the code is wrong".
UNAVAILABLE = (OperationalError, InterfaceError)
# The driver's own names, should one escape Django's wrapping (psycopg, psycopg_pool).
DRIVER_UNAVAILABLE = {"OperationalError", "InterfaceError", "PoolTimeout", "PoolClosed"}


def database_unavailable(exception):
    """True when the exception, or what caused it, says the database cannot be reached."""
    seen = 0
    while exception is not None and seen < 5:
        if isinstance(exception, UNAVAILABLE) or type(exception).__name__ in DRIVER_UNAVAILABLE:
            return True
        exception, seen = exception.__cause__ or exception.__context__, seen + 1
    return False
