"""Domain errors raised by services and turned into form errors or flashes by views."""


class DomainError(Exception):
    """A rule of the domain refuses the requested change. ``str(error)`` is for the user."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class ConcurrentEditError(DomainError):
    """Someone else saved the record after this form was opened."""
