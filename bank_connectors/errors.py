"""The one error type of the connectors."""

from __future__ import annotations

from typing import Any


class ConnectorError(Exception):
    """A failed exchange with a bank system or the platform.

    ``permanent`` says whether retrying the same request can help: a refused signature is
    permanent, a time-out is not. ``status`` is the HTTP status when there was an answer
    (``None`` for a refused connection or a time-out); ``details`` is the ``details`` object
    of the platform's error body (``{}`` when there was none).
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        code: str = "",
        status: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = code
        self.status = status
        self.details: dict[str, Any] = {} if details is None else details
