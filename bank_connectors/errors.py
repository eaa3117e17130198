"""The one error type of the connectors."""

from __future__ import annotations


class ConnectorError(Exception):
    """A failed exchange with a bank system or the platform.

    ``permanent`` says whether retrying the same request can help: a refused signature is
    permanent, a time-out is not.
    """

    def __init__(self, message: str, *, permanent: bool = False, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = code
