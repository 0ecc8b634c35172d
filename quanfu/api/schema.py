"""The OpenAPI schema documents the errors as well as the successes (API_CONTRACT.md):
400 with messages per field, 401 without a usable token, 403 when the role may not act,
404 for what is missing or outside the scope, 409 for an edit based on a stale version.

Without them a client (and the fuzzing in tests/test_api_fuzz.py) cannot tell a
documented refusal from a broken answer.
"""

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent, force_instance, is_serializer

ERROR_SCHEMAS = {
    "ErrorDetail": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
        "description": "Why the request was refused.",
    },
    "FieldErrors": {
        "type": "object",
        "additionalProperties": {},
        "description": 'Messages per field, e.g. {"note": ["Give a reason in the note."]}; '
                       'a body that is not valid JSON answers {"detail": "…"}.',
    },
    "StaleVersion": {
        "type": "object",
        "properties": {"current_version": {"type": "integer"},
                       "version": {"type": "array", "items": {"type": "string"}}},
        "required": ["current_version"],
        "description": "The object changed since the version sent; reload and retry.",
    },
}


class AutoSchema(openapi.AutoSchema):
    def _error(self, name: str, description: str) -> dict:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA,
                                      schema=ERROR_SCHEMAS[name], object=name)
        self.registry.register_on_missing(component)
        return {"description": description,
                "content": {"application/json": {"schema": component.ref}}}

    def _takes_version(self) -> bool:
        if self.method not in ("POST", "PUT", "PATCH"):
            return False
        serializer = force_instance(self.get_request_serializer())
        return is_serializer(serializer) and "version" in serializer.fields

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors = {
            "400": self._error("FieldErrors", "Invalid input, or a rule of the register "
                                              "refuses the action now."),
            "401": self._error("ErrorDetail", "No usable token or session."),
            "403": self._error("ErrorDetail", "Your role may not do this."),
            # a list too: a page past the end, a filter naming what is outside the scope
            "404": self._error("ErrorDetail", "Not found, or outside your scope."),
            # accounts.throttling: per token, API_RATE_PER_MINUTE
            "429": self._error("ErrorDetail", "Too many requests from this token: wait the "
                                              "seconds of the Retry-After header."),
        }
        if self._takes_version():
            errors["409"] = self._error("StaleVersion", "Changed by someone else since the "
                                                        "version sent.")
        for code, response in errors.items():
            responses.setdefault(code, response)
        return responses
