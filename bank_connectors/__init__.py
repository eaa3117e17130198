"""How bank systems and the platform talk: SDK client, webhook verification, batch files.

Speaks in dataclasses, never touches the ORM and never imports Django.
"""

from .client import Application, NeedCard, PlatformClient, Profile
from .errors import ConnectorError

__all__ = ["Application", "ConnectorError", "NeedCard", "PlatformClient", "Profile"]
