"""How bank systems and the platform talk: SDK client, webhook verification, batch files.

Speaks in dataclasses, never touches the ORM and never imports Django.
"""

from .errors import ConnectorError

__all__ = ["ConnectorError"]
