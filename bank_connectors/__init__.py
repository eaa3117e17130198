"""How bank systems and the platform talk: SDK client, webhook verification, batch files, and a
sandbox bank (``python -m bank_connectors.sandbox``) built on them.

Speaks in dataclasses, never touches the ORM and never imports Django.
"""

from .client import (
    REJECT_REASONS,
    Application,
    Authorization,
    Delivery,
    Interest,
    NeedCard,
    PlatformClient,
    Profile,
    Subscription,
)
from .errors import ConnectorError

__all__ = [
    "REJECT_REASONS",
    "Application",
    "Authorization",
    "ConnectorError",
    "Delivery",
    "Interest",
    "NeedCard",
    "PlatformClient",
    "Profile",
    "Subscription",
]
