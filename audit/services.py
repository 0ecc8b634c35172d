"""Writing the access log."""

from dataclasses import dataclass

from audit.models import AccessLog


@dataclass(frozen=True)
class Origin:
    """Where a request came from, as far as the server can tell."""

    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def of(cls, request) -> "Origin":
        if request is None:
            return cls()
        return cls(ip_address=request.META.get("REMOTE_ADDR") or None,
                   user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])


def log_access(*, actor, action: str, target: str, detail: str = "",
               origin: Origin | None = None) -> AccessLog:
    origin = origin or Origin()
    return AccessLog.objects.create(actor=actor, action=action, target=target, detail=detail,
                                    ip_address=origin.ip_address, user_agent=origin.user_agent)
