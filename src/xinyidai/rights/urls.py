"""Pages of the rights processes, under /credit/. Each process keeps its routes in its own
module; the names are all in the ``rights`` namespace."""

from . import urls_commitments, urls_lists, urls_objections, urls_repair

app_name = "rights"

urlpatterns = [
    *urls_objections.urlpatterns,
    *urls_repair.urlpatterns,
    *urls_commitments.urlpatterns,
    *urls_lists.urlpatterns,
]
