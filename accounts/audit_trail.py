"""Security events of the login (login, logout, failed login, lock-out, wrong one-time
code) handed to the audit log.

The audit app's ``record_event`` is being written at the same time as this module; until
it exists the events go to the "accounts.security" logger instead, so that nothing is
silently dropped. Once ``audit.services.record_event`` is there, the fallback is dead code
and can go.
"""

import logging

from accounts.client_address import client_ip
from audit import services as audit_services

logger = logging.getLogger("accounts.security")


def record(*, action: str, actor=None, target: str = "", detail: str = "", request=None) -> None:
    # looked up at each call: the audit app may lack it (see the module's docstring)
    record_event = getattr(audit_services, "record_event", None)
    if record_event is None:
        logger.info("%s actor=%s target=%s detail=%s address=%s", action,
                    getattr(actor, "pk", None), target, detail,
                    client_ip(request) if request is not None else "")
        return
    record_event(action=action, actor=actor, target=target, detail=detail, request=request)
