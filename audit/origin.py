"""Where an audited action came from: the client of a web or API request, a Celery task,
or a management command."""

import ipaddress
import os
import re
import sys
from dataclasses import dataclass
from functools import cache

from accounts.client_address import client_ip

REQUEST_ID_HEADER = "X-Request-ID"
# A request id passed in by a proxy is kept only if it is a plain token; otherwise a new
# one is made (a header must never smuggle text into the log).
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,64}")
MAX_USER_AGENT = 300
MAX_SOURCE = 200


def clean_ip_address(text: str | None) -> str:
    """The address in its canonical spelling, or "" when it is not an address."""
    try:
        return str(ipaddress.ip_address((text or "").strip()))
    except ValueError:
        return ""


@dataclass(frozen=True)
class Origin:
    """Where a request came from, as far as the server can tell: the client's address and
    program, the request id (shared with the web server's log), and the source: the method
    and path of a request, ``task:<name>`` or ``command:<name>``."""

    ip_address: str | None = None
    user_agent: str = ""
    request_id: str = ""
    source: str = ""

    @classmethod
    def of(cls, request) -> "Origin":
        if request is None:
            return cls()
        meta = request.META
        return cls(ip_address=clean_ip_address(client_ip(request)) or None,
                   user_agent=meta.get("HTTP_USER_AGENT", "")[:MAX_USER_AGENT],
                   request_id=getattr(request, "audit_request_id", ""),
                   source=f"{request.method} {request.path}"[:MAX_SOURCE])

    @classmethod
    def of_task(cls, name: str) -> "Origin":
        return cls(source=f"task:{name}"[:MAX_SOURCE])

    @classmethod
    def of_command(cls, name: str) -> "Origin":
        return cls(source=f"command:{name}"[:MAX_SOURCE])


@cache
def process_origin() -> Origin:
    """Outside a request or a task: ``command:<name>`` under manage.py, else the program."""
    program = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python"
    if program in ("manage.py", "django-admin") and len(sys.argv) > 1:
        return Origin.of_command(sys.argv[1])
    return Origin(source=f"process:{program}"[:MAX_SOURCE])
