"""The project's error types: each carries an HTTP status and a short title.

Domain errors are raised where they are found; one handler in the API and one in the
CLI turn them into a 4xx response or a one-line message with exit status 2. Anything
else is a bug and surfaces as a 500 / traceback, never dressed up as the user's fault.
"""

from __future__ import annotations


class AirkgError(Exception):
    """Base of every error airkg raises on purpose."""

    status: int = 500
    title: str = "Internal error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InputError(AirkgError):
    """The user's input (a file, a parameter, a query) cannot be used."""

    status = 400
    title = "Bad input"


class DocumentError(InputError):
    """A source document cannot be read or holds no plan."""

    title = "Unreadable document"


class QuerySyntaxError(InputError):
    """A SPARQL query does not parse."""

    title = "Malformed SPARQL"


class ForbiddenQuery(InputError):
    """A query asks for something the server will not do (UPDATE, SERVICE, LOAD)."""

    status = 403
    title = "Query not allowed"


class QueryTimeout(InputError):
    """A query ran past the configured time limit."""

    status = 503
    title = "Query too slow"


class QueryTooLarge(InputError):
    """A query result is larger than the configured row cap."""

    status = 413
    title = "Result too large"


class QueryTooComplex(QuerySyntaxError):
    """A query nested too deeply, or holding too many operators, to be parsed safely."""

    title = "Query too complex"


class QueryTextTooLong(InputError):
    """A query text longer than the configured limit (checked before it is parsed)."""

    status = 413
    title = "Query too long"


class QueryStopped(InputError):
    """The process running a query died (out of memory, a crash of the engine) or was killed."""

    status = 503
    title = "Query stopped"


class ServerBusy(AirkgError):
    """Every query worker is busy and the queue of waiting queries is full."""

    status = 503
    title = "Too many queries"


class NotFound(AirkgError):
    """An id names nothing in the graph."""

    status = 404
    title = "Not found"


class Unauthorized(AirkgError):
    """A write was attempted without the configured token."""

    status = 401
    title = "Unauthorized"


class StoreError(AirkgError):
    """The store cannot be opened or reached."""

    status = 503
    title = "Store unavailable"
