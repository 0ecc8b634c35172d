"""Domain errors of every app. Views and the API map them to clear answers:
RuleBroken → 400 with messages per field, Forbidden → 403, StaleVersion → 409."""


class RiskError(Exception):
    def __init__(self, message, field: str = "non_field_errors"):
        super().__init__(str(message))
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, list[str]]:
        return {self.field: [str(self.message)]}


class RuleBroken(RiskError):
    """The action is not possible now: wrong status, a missing precondition, bad input."""


class Forbidden(RiskError):
    """The user may see the matter but not do this to it."""


class StaleVersion(RiskError):
    """Someone changed the matter since this user read it (optimistic locking)."""

    def __init__(self, message, current_version: int):
        super().__init__(message, field="version")
        self.current_version = current_version


class AlreadyRecorded(RiskError):
    """The record was sent before (the same external reference from the same client):
    nothing is created; ``existing_id`` names the record that holds it (409)."""

    def __init__(self, message, existing_id: int, field: str = "external_ref"):
        super().__init__(message, field=field)
        self.existing_id = existing_id
