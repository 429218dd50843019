"""Errors services raise for people to read (the message is already translatable)."""
from __future__ import annotations


class ServiceError(ValueError):
    """An action was refused; `message` says why in words for the person, `field` where."""

    def __init__(self, message, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code


class NotFound(ServiceError):
    """No such record, or none this person may see (the two are not told apart)."""

    def __init__(self, message="Not found."):
        super().__init__(message, code="not_found")


class Forbidden(ServiceError):
    """This person may not do that."""

    def __init__(self, message="You may not do that."):
        super().__init__(message, code="forbidden")
