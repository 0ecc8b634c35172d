from drf_spectacular.extensions import OpenApiAuthenticationExtension

from accounts import idempotency
from quanfu.api.schema import ERROR_SCHEMAS


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Token authentication: "Authorization: Token <key>".',
        }


IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY_LENGTH},
    "description": (
        "A key chosen by the client (e.g. a UUID per draft). The same key from the same user "
        "with the same body within 24 hours answers the first response again (same status, "
        "body and content type, with the header `Idempotent-Replayed: true`) and does "
        "nothing else; the same key with another body or path answers 422; while the first "
        "request is still being answered, a retry waits a few seconds for its answer, then "
        "answers 409. A 5xx answer is not kept: the retry runs again. Without the header a "
        "POST behaves as before."),
}
# POSTs where the key means nothing: nobody is signed in yet (keys are per user).
WITHOUT_IDEMPOTENCY_KEY = ("/api/v1/auth/token/",)


def document_idempotency_key(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS): the Idempotency-Key
    header on every POST of the API, written once here rather than on each view, with the
    answers it adds (422, 409). The middleware, accounts.idempotency, serves it."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorDetail", ERROR_SCHEMAS["ErrorDetail"])
    error = {"$ref": "#/components/schemas/ErrorDetail"}
    for path, operations in result.get("paths", {}).items():
        operation = operations.get("post")
        if operation is None or not path.startswith(idempotency.API_PREFIX) \
                or path in WITHOUT_IDEMPOTENCY_KEY:
            continue
        operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY_PARAMETER)
        responses = operation.setdefault("responses", {})
        responses.setdefault("422", {
            "description": "The Idempotency-Key was already used for another request.",
            "content": {"application/json": {"schema": error}}})
        responses.setdefault("409", {
            "description": "A request with this Idempotency-Key is still being processed.",
            "content": {"application/json": {"schema": error}}})
    return result
