"""Errors the pipeline raises on purpose."""


class BadInputError(Exception):
    """The input cannot be processed; ``str(err)`` is one sentence the user can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
