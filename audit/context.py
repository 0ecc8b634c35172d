"""Who is acting and from where, for the receivers that record model changes (NetBox's
approach): the request middleware and the Celery task hooks put it in a context
variable; the receivers read it when they write an entry.

A request's actor is read from ``request.user`` when the entry is written, not when the
request starts: the API authenticates tokens inside the view, after the middleware ran.
"""

from contextvars import ContextVar
from dataclasses import dataclass

from audit.origin import Origin, process_origin


@dataclass(frozen=True)
class AuditContext:
    origin: Origin
    request: object = None


_current: ContextVar[AuditContext | None] = ContextVar("quanfu_audit_context", default=None)


def bind(context: AuditContext):
    """Make ``context`` current; returns the token for ``unbind``."""
    return _current.set(context)


def unbind(token) -> None:
    try:
        _current.reset(token)
    except ValueError:  # set in another context (a task hook run elsewhere): just clear
        _current.set(None)


def current_origin() -> Origin:
    context = _current.get()
    return context.origin if context is not None else process_origin()


def current_actor():
    """The signed-in user of the current request, or None (tasks, commands, anonymous)."""
    context = _current.get()
    if context is None or context.request is None:
        return None
    user = getattr(context.request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return user
