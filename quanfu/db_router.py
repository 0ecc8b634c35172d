"""The read replica (DATABASE_REPLICA_URL): which reads go to it, and when they must not.

Only the heavy reads go there, and only where a view opts in with ``reads_from_replica``
(a decorator of a view, or a context manager around a block): dashboards, ledger
exports, statistics, the sync walk, the map. Everything else, and every write, uses the
primary ("default"). Within such a view a read still goes to the primary when

- the person wrote a moment ago (read-your-writes): in this request (any non-safe
  request, or a write in this request), or in an earlier one whose write the replica may
  not show yet: ``ReplicaStickinessMiddleware`` keeps the moment of the last write in a
  signed cookie, and the person reads the primary for REPLICA_STICKY_SECONDS after it,
  and longer while the replica has not replayed up to it;
- a transaction is open on the primary (what it reads must match what it writes);
- the replica lags more than REPLICA_MAX_LAG_SECONDS, or does not answer (a short
  connect_timeout: it fails fast), as checked at most every REPLICA_CHECK_SECONDS per
  process (``replica_state``, which the health endpoint shows).

Lag is measured on WAL positions, not on the replay timestamp alone: an idle primary
commits nothing, so "now − last replayed commit" grows without any real lag. Each check
reads the primary's position (``pg_current_wal_lsn()``) and then the replica's replayed
one; a replica that has replayed a position the primary had at some moment holds
everything committed before that moment. Without a replica configured every function
here is a no-op and every query uses the primary, as before.
"""

import logging
import threading
import time
from collections import deque
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.signing import BadSignature, SignatureExpired
from django.db import DatabaseError, connections

REPLICA = "replica"
PRIMARY = "default"
STICKY_COOKIE = "quanfu_wrote"
STICKY_SALT = "quanfu.db_router.wrote"
# Writes that are not the person's data, and so need not be read back from the primary:
# the session's idle clock, login throttling, the audit and access logs.
NOT_PINNING_APPS = frozenset({"sessions", "axes", "audit"})

logger = logging.getLogger(__name__)

# Whether this block's reads may use the replica (set by reads_from_replica).
_replica_wanted: ContextVar[bool] = ContextVar("replica_wanted", default=False)
# The moment (time.time()) of the person's last write, when it may not be on the replica.
_written_at: ContextVar[float | None] = ContextVar("written_at", default=None)
# Set once a query of this block went to the replica (so a failure there can be retried).
_replica_used: ContextVar[bool] = ContextVar("replica_used", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def _replica_block():
    wanted, used = _replica_wanted.set(True), _replica_used.set(False)
    try:
        yield
    finally:
        _replica_used.reset(used)
        _replica_wanted.reset(wanted)


def reads_from_replica(view=None):
    """``@reads_from_replica`` on a view (function, or a method of a class-based view):
    its reads may go to the replica; should the replica fail during a safe request the
    view runs again on the primary. ``with reads_from_replica():`` for a block."""
    if view is None:
        return _replica_block()

    @wraps(view)
    def wrapped(*args, **kwargs):
        with _replica_block():
            try:
                return view(*args, **kwargs)
            except DatabaseError:
                if not _replica_used.get():
                    raise
                logger.warning("the replica failed during a read: read again from the primary")
                mark_replica_down()
        return view(*args, **kwargs)

    return wrapped


def note_write(model=None) -> None:
    """The person wrote: this request, and their next requests for a while, read the
    primary (read-your-writes)."""
    if model is not None and model._meta.app_label in NOT_PINNING_APPS:
        return
    _written_at.set(time.time())


def must_read_primary() -> bool:
    """Whether reads now must go to the primary although the block wants the replica."""
    if connections[PRIMARY].in_atomic_block:
        return True
    written_at = _written_at.get()
    if written_at is not None:
        state = replica_state()
        if (time.time() - written_at < settings.REPLICA_STICKY_SECONDS
                or written_at > state.visible_until):
            return True
    return not replica_state().usable


class ReplicaRouter:
    """DATABASE_ROUTERS: reads to the replica inside ``reads_from_replica`` blocks (see the
    module docstring), everything else to the primary; migrations on the primary only."""

    def db_for_read(self, model, **hints):
        if not _replica_wanted.get() or not replica_configured() or must_read_primary():
            return PRIMARY
        _replica_used.set(True)
        return REPLICA

    def db_for_write(self, model, **hints):
        note_write(model)
        return PRIMARY

    def allow_relation(self, first, second, **hints):
        if {first._state.db, second._state.db} <= {PRIMARY, REPLICA, None}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA


# Read-your-writes across requests -------------------------------------------------------

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def sticky_seconds() -> int:
    """How long the cookie lives: the sticky window, or the longest lag the replica may
    have and still be read (a write older than that is on any replica still in use)."""
    return max(settings.REPLICA_STICKY_SECONDS,
               settings.REPLICA_MAX_LAG_SECONDS + settings.REPLICA_CHECK_SECONDS) + 1


class ReplicaStickinessMiddleware:
    """A non-safe request (any POST, the admin's included) counts as a write from its
    start; a write in any request sets a signed cookie with its moment, which later
    requests read back. Nothing at all without a replica configured."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        written_at = None
        if request.method not in SAFE_METHODS:
            written_at = time.time()
        else:
            try:
                written_at = float(request.get_signed_cookie(
                    STICKY_COOKIE, salt=STICKY_SALT, max_age=sticky_seconds()))
            except (KeyError, BadSignature, SignatureExpired, ValueError):
                written_at = None
        token = _written_at.set(written_at)
        try:
            response = self.get_response(request)
            written_now = _written_at.get()
        finally:
            _written_at.reset(token)
        wrote = request.method not in SAFE_METHODS or written_now != written_at
        if written_now is not None and wrote:
            response.set_signed_cookie(
                STICKY_COOKIE, repr(written_now), salt=STICKY_SALT, max_age=sticky_seconds(),
                httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response


# The replica's state: lag and health ---------------------------------------------------

@dataclass(frozen=True)
class ReplicaState:
    usable: bool
    condition: str  # "in_use", "lagging", "down", "not_configured"
    lag_seconds: float | None = None
    lag_bytes: int | None = None
    # everything committed on the primary before this moment (time.time()) is on the replica
    visible_until: float = 0.0
    error: str = ""
    checked_at: float = 0.0

    def as_health(self) -> dict:
        return {"ok": True, "reads_from": REPLICA if self.usable else PRIMARY,
                "condition": self.condition,
                "lag_seconds": None if self.lag_seconds is None else round(self.lag_seconds, 3),
                "lag_bytes": self.lag_bytes, "error": self.error or None}


NOT_CONFIGURED = ReplicaState(usable=False, condition="not_configured")
_lock = threading.Lock()
_state: ReplicaState | None = None
# (moment, primary's WAL position) of this process's recent checks
_primary_positions: deque = deque(maxlen=64)


def lsn_to_int(lsn: str) -> int:
    high, low = lsn.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def replica_state(refresh: bool = False) -> ReplicaState:
    """The replica's state as last checked, checked again when older than
    REPLICA_CHECK_SECONDS (or ``refresh``). One check at a time per process."""
    global _state
    if not replica_configured():
        return NOT_CONFIGURED
    state = _state
    if (not refresh and state is not None
            and time.time() - state.checked_at < settings.REPLICA_CHECK_SECONDS):
        return state
    with _lock:
        state = _state
        if (refresh or state is None
                or time.time() - state.checked_at >= settings.REPLICA_CHECK_SECONDS):
            _state = state = _check_replica(previous=state)
    return state


def mark_replica_down(error: str = "failed during a read") -> None:
    global _state
    with _lock:
        _state = ReplicaState(usable=False, condition="down", error=error,
                              checked_at=time.time())
    _close_quietly()


def forget_replica_state() -> None:
    """For tests: the next read checks the replica again."""
    global _state
    with _lock:
        _state = None
        _primary_positions.clear()


def _close_quietly() -> None:
    try:
        connections[REPLICA].close()
    except Exception:  # a broken connection may fail to close; it is dropped anyway
        logger.debug("closing the replica's connection failed", exc_info=True)


def _check_replica(previous: ReplicaState | None) -> ReplicaState:
    now = time.time()
    try:
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            primary_position = lsn_to_int(cursor.fetchone()[0])
        moment = time.time()
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
                           "extract(epoch FROM pg_last_xact_replay_timestamp())")
            in_recovery, replayed, replay_epoch = cursor.fetchone()
    except Exception as error:  # refused, timed out, gone: the primary serves every read
        _close_quietly()
        return ReplicaState(usable=False, condition="down",
                            error=f"{type(error).__name__}: {str(error).strip()[:200]}",
                            checked_at=now)
    if not in_recovery or replayed is None:
        return ReplicaState(usable=False, condition="down", checked_at=now,
                            error="the server named by DATABASE_REPLICA_URL is no replica")
    replayed_position = lsn_to_int(replayed)
    _primary_positions.append((moment, primary_position))
    lag_bytes = max(0, primary_position - replayed_position)
    # the replica holds what the primary had committed at any moment whose position it
    # has replayed, and every commit up to its last replayed one
    caught_up = [at for at, position in _primary_positions if position <= replayed_position]
    visible_until = max([*caught_up, float(replay_epoch or 0.0),
                         previous.visible_until if previous else 0.0])
    lag_seconds = 0.0 if lag_bytes == 0 else max(0.0, time.time() - visible_until)
    usable = lag_seconds <= settings.REPLICA_MAX_LAG_SECONDS
    return ReplicaState(usable=usable, condition="in_use" if usable else "lagging",
                        lag_seconds=lag_seconds, lag_bytes=lag_bytes,
                        visible_until=visible_until, checked_at=now)


def settled_horizon(alias: str) -> float | None:
    """For the sync walk: the moment up to which ``alias`` holds every commit, or None for
    the primary (which holds them all). A walk on the replica stops there, so that a
    cursor never passes a matter the replica has not replayed yet."""
    if alias != REPLICA:
        return None
    return replica_state().visible_until
