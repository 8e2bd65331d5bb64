"""Errors the pipeline raises on purpose."""


class BadInputError(Exception):
    """The input cannot be processed; ``str(err)`` is one sentence the user can act on.

    ``without_data`` is the same advice without any value quoted from the file (a cell may
    hold a person's name); pseudonymised jobs report that one.
    """

    def __init__(self, message: str, *, without_data: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.without_data = without_data
