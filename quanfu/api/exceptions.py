"""Domain errors become the contract's answers: 400 with messages per field, 403, 409
(a stale version; a repeated external reference, with the existing record's id)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from quanfu.errors import AlreadyRecorded, Forbidden, RuleBroken, StaleVersion


def exception_handler(error, context):
    if isinstance(error, StaleVersion):
        return Response({**error.as_dict(), "current_version": error.current_version},
                        status=status.HTTP_409_CONFLICT)
    if isinstance(error, AlreadyRecorded):
        return Response({"existing": error.existing_id, **error.as_dict()},
                        status=status.HTTP_409_CONFLICT)
    if isinstance(error, Forbidden):
        return Response({"detail": str(error.message)}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(error, RuleBroken):
        return Response(error.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(error, DjangoValidationError):
        body = error.message_dict if hasattr(error, "error_dict") else {
            "non_field_errors": error.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(error, context)
