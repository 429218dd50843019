"""Errors services raise for people to read (the message is already translatable)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

# The command that sets an instance up, as README's "Operator commands" gives it.
SETUP_COMMAND = 'flask --app wsgi groups create --slug ourgroup --name "Our Mutual Aid" --postcode "E8 1"'


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


class NotSetUp(ServiceError):
    """No group exists yet: the software is installed but nobody has created the group (answered 503)."""

    command = SETUP_COMMAND

    def __init__(self):
        super().__init__(_l("This site is not set up yet: no mutual aid group has been created. Whoever runs the "
                            "server can create one with this command:"), code="not_set_up")
