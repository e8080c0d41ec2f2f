"""/api/: the JSON API (v1), its OpenAPI schema and its documentation page.

Names follow DRF's router: ``api:partner-list``, ``api:partner-detail``, …
"""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from api import token_views, views

app_name = "api"

router = SimpleRouter()
router.register("teams", views.TeamViewSet, basename="team")
router.register("partners", views.PartnerViewSet, basename="partner")
router.register("integrations", views.IntegrationViewSet, basename="integration")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("tokens", token_views.TokenViewSet, basename="token")

urlpatterns = [
    path("v1/", views.ApiRootView.as_view(), name="root"),
    path("v1/rubric/", views.RubricView.as_view(), name="rubric"),
    path(
        "v1/integrations/<int:integration_pk>/plans/",
        views.PlanListView.as_view(),
        name="integration-plan-list",
    ),
    path(
        "v1/integrations/<int:integration_pk>/plans/<str:category>/",
        views.PlanDetailView.as_view(),
        name="integration-plan-detail",
    ),
    path(
        "v1/integrations/<int:integration_pk>/hurdles/",
        views.HurdleListView.as_view(),
        name="integration-hurdle-list",
    ),
    path("v1/hurdles/<int:pk>/", views.HurdleDetailView.as_view(), name="hurdle-detail"),
    path("v1/", include(router.urls)),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.docs, name="docs"),
]
