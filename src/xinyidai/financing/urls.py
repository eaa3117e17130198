"""URLs of the financing area: the enterprise's pages, then the bank's under ``bank/``."""

from .urls_bank import urlpatterns as bank_patterns
from .urls_enterprise import urlpatterns as enterprise_patterns

app_name = "financing"

urlpatterns = enterprise_patterns + bank_patterns
