"""Puts the current request in the audit context, so that the records it changes are
written as changed by its user, from its client (audit.context), and gives every request
an id, shown in the X-Request-ID header and written in the entries."""

import uuid

from audit.context import AuditContext, bind, unbind
from audit.origin import REQUEST_ID_HEADER, REQUEST_ID_PATTERN, Origin


def request_id_of(request) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if REQUEST_ID_PATTERN.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.audit_request_id = request_id_of(request)
        token = bind(AuditContext(origin=Origin.of(request), request=request))
        try:
            response = self.get_response(request)
        finally:
            unbind(token)
        response.headers.setdefault(REQUEST_ID_HEADER, request.audit_request_id)
        return response
