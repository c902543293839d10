"""Domain errors raised by services and turned into form errors or flashes by views."""


class DomainError(Exception):
    """A rule of the domain refuses the requested change. ``str(error)`` is for the user."""

    def __init__(self, message, field: str | None = None, after_rollback=None,
                 fields: dict[str, str] | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        #: Several fields' own messages (field name -> message), when one refusal has many.
        self.fields = fields or {}
        #: What must be kept although the change is refused (a security event in the audit
        #: log): the view calls it after rolling back and commits what it records.
        self.after_rollback = after_rollback

    def __str__(self) -> str:
        return str(self.message)


class NotPermitted(DomainError):
    """The user may not do this at all (not a rule of the record): the page answers 403."""


class ConcurrentEditError(DomainError):
    """Someone else saved the record after this form was opened."""
