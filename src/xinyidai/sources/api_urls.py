from rest_framework.routers import SimpleRouter

from .api import BatchViewSet, SourceViewSet

router = SimpleRouter()
router.register("sources", SourceViewSet, basename="api-source")
router.register("batches", BatchViewSet, basename="api-batch")

urlpatterns = router.urls
