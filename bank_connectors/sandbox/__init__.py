"""The sandbox bank: a simulated bank loan system that uses only the SDK and the standard library.

    python -m bank_connectors.sandbox --base-url http://127.0.0.1:8000 --key-id bk_... --secret ...

See docs/sandbox-bank.md for what it does, its credit policy and what it logs.
"""

from .bank import DEFAULT_SCOPES, EVENTS, SandboxBank
from .policy import RULES, Decision, GradeRule, ProductTerms, decide

__all__ = [
    "DEFAULT_SCOPES",
    "EVENTS",
    "RULES",
    "Decision",
    "GradeRule",
    "ProductTerms",
    "SandboxBank",
    "decide",
]
