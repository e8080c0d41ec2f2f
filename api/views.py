"""The JSON API (/api/v1/), its OpenAPI schema and its documentation page.

Views stay thin: serializers (api/serializers.py) check what clients send,
partners/services.py writes, partners/permissions.py decides who may (through
api/permissions.py), and lists read with the pages' own selectors.  DRF
authenticates every request itself (a token, else the session), so the views
are marked ``login_not_required``: the site's sign-in redirect and its "ask an
administrator" page are for browsers, and the API answers 401 and 403 in JSON.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse as url_reverse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
)
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, generics, mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from api import errors, permissions
from api.filter_backends import IntegrationFilterBackend, integration_parameters
from api.schema import READ, WRITE, ApiAutoSchema
from api.schema import errors as error_responses
from api.serializers import (
    AssessmentCreateSerializer,
    AssessmentSerializer,
    HurdleSerializer,
    IntegrationDetailSerializer,
    IntegrationSerializer,
    PartnerSerializer,
    PlanSerializer,
    RubricSerializer,
    TeamSerializer,
    current_steps,
    echo,
    plans_in_order,
    rubric_data,
)
from partners import hurdle_services, partner_view_reads, plan_services, selectors, services
from partners.filters import AssessmentFilter, PartnerFilter
from partners.models import (
    MAX_VERSION,
    Assessment,
    CategoryPlan,
    Hurdle,
    Integration,
    Partner,
    Team,
)
from scorecard import rubric

# Service field names that the API spells differently (assessments: steps and notes
# are objects keyed by category).
ASSESSMENT_FIELDS = {
    **{key: f"steps.{key}" for key in rubric.CATEGORY_KEYS},
    **{f"{key}_note": f"notes.{key}" for key in rubric.CATEGORY_KEYS},
}


def refuse_large_body(request) -> None:
    """413 before anything reads the body (or authenticates), from its declared length."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.API_MAX_BODY_BYTES:
        raise errors.PayloadTooLarge()


class ApiViewMixin:
    """What every API view shares."""

    # Why a method this address does not offer is refused (405), for the
    # methods a client might expect: e.g. deleting, which admins do in the
    # Django admin.  The methods themselves are left out of the view
    # (``http_method_names``), so they are neither in the schema nor in the
    # Allow header.
    not_offered: dict[str, str] = {}
    # The body a POST takes, where it is not the shape the list answers in; set, OPTIONS
    # describes it too.
    create_serializer_class: type[serializers.Serializer] | None = None
    schema = ApiAutoSchema()

    @classmethod
    def as_view(cls, *args: Any, **kwargs: Any):
        return login_not_required(super().as_view(*args, **kwargs))

    def initial(self, request, *args: Any, **kwargs: Any) -> None:
        refuse_large_body(request)
        super().initial(request, *args, **kwargs)

    def http_method_not_allowed(self, request, *args: Any, **kwargs: Any):
        raise exceptions.MethodNotAllowed(
            request.method, detail=self.not_offered.get(request.method)
        )

    def get_serializer_class(self):
        if self.create_serializer_class and self.request and self.request.method == "POST":
            return self.create_serializer_class
        return super().get_serializer_class()

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            noun = self.get_queryset().model._meta.verbose_name
            key = "slug" if self.lookup_field == "slug" else "id"
            raise exceptions.NotFound(f"There is no {noun} with this {key}.") from None

    @cached_property
    def now(self):
        """One moment per request, for "not assessed in 90 days"."""
        return timezone.localtime()

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": self.now}


def _detail_url(request, name: str, key: Any) -> str:
    return reverse(f"api:{name}-detail", args=[key], request=request)


# -- index and rubric ---------------------------------------------------------------------------


RESOURCES = ("rubric", "teams", "partners", "integrations", "assessments", "tokens")


class ApiRootView(ApiViewMixin, APIView):
    @extend_schema(
        tags=["index"],
        summary="The API's resources",
        description="Links to every resource of the API, its schema and its documentation.\n\n"
        "Every error is JSON with the `Error` body. A method that an address does not offer "
        "(deleting a partner or an integration, changing an assessment) is refused with 405 "
        "and an `Allow` header listing the methods it does offer.",
        responses={
            200: inline_serializer(
                "ApiRoot",
                {
                    name: serializers.URLField()
                    for name in (*RESOURCES, "reviews", "schema", "docs")
                },
            ),
            **error_responses(*READ),
        },
    )
    def get(self, request) -> Response:
        links = {"rubric": reverse("api:rubric", request=request)}
        for name in RESOURCES[1:]:
            links[name] = reverse(f"api:{name.removesuffix('s')}-list", request=request)
        # Review cycles are served by the reviews app (reviews/api_urls.py), above this one.
        links["reviews"] = reverse("reviews_api:cycle-list", request=request)
        links["schema"] = reverse("api:schema", request=request)
        links["docs"] = reverse("api:docs", request=request)
        return Response(links)


class RubricView(ApiViewMixin, APIView):
    @extend_schema(
        summary="The rubric",
        description="The five categories in execution order with their three steps, the bands "
        "that turn a total into words, and the range of steps and totals.",
        responses={200: RubricSerializer, **error_responses(*READ)},
    )
    def get(self, request) -> Response:
        return Response(RubricSerializer(rubric_data()).data)


# -- teams ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List teams",
        responses={200: TeamSerializer(many=True), **error_responses(400, 404, *READ)},
    ),
    retrieve=extend_schema(
        summary="A team", responses={200: TeamSerializer, **error_responses(404, *READ)}
    ),
)
class TeamViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Teams own integrations; admins manage teams and their members in the Django admin."""

    serializer_class = TeamSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Team]:
        return Team.objects.order_by(Lower("name"), "pk")


# -- partners -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List partners",
        description="With how many integrations each has. Filter with `q` and "
        "`relationship_status`; sort with `sort`.",
        responses={200: PartnerSerializer(many=True), **error_responses(400, 404, *READ)},
    ),
    retrieve=extend_schema(
        summary="A partner", responses={200: PartnerSerializer, **error_responses(404, *READ)}
    ),
    create=extend_schema(
        summary="Add a partner",
        description="For product managers, partnership leads and admins.",
        responses={201: PartnerSerializer, **error_responses(*WRITE)},
    ),
    update=extend_schema(
        summary="Replace a partner's record",
        description="For partnership leads and admins. Send `version` to be told (409) when "
        "someone saved it since you read it.",
        responses={200: PartnerSerializer, **error_responses(404, 409, *WRITE)},
    ),
    partial_update=extend_schema(
        summary="Change some of a partner's fields",
        description="For partnership leads and admins. Send `version` to be told (409) when "
        "someone saved it since you read it.",
        responses={200: PartnerSerializer, **error_responses(404, 409, *WRITE)},
    ),
)
class PartnerViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Partners: the companies whose products ours integrates with, addressed by slug."""

    serializer_class = PartnerSerializer
    permission_classes = [permissions.PartnerPermission]
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    filter_backends = [DjangoFilterBackend]
    filterset_class = PartnerFilter
    # No DELETE: admins delete partners in the Django admin.
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    not_offered = {
        "DELETE": "Partners are not deleted through the API: an admin deletes them in the "
        "Django admin.",
    }

    def get_queryset(self) -> QuerySet[Partner]:
        return selectors.partner_list()

    def create(self, request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("version", None)
        with errors.service_errors(Partner):
            partner = services.partner_create(**fields)
        return Response(
            self._fresh(partner),
            status=status.HTTP_201_CREATED,
            headers={"Location": _detail_url(request, "partner", partner.slug)},
        )

    def update(self, request, *args: Any, partial: bool = False, **kwargs: Any) -> Response:
        partner = self.get_object()
        serializer = self.get_serializer(partner, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version", None)
        if changes:
            with errors.service_errors(Partner):
                services.partner_update(partner=partner, expected_version=version, **changes)
        return Response(self._fresh(partner))

    def partial_update(self, request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def _fresh(self, partner: Partner) -> dict[str, Any]:
        """The record as saved, with its integration count."""
        return self.get_serializer(self.get_queryset().get(pk=partner.pk)).data


# -- integrations ---------------------------------------------------------------------------


def with_plans(integrations: QuerySet[Integration]) -> QuerySet[Integration]:
    """Each integration's plans in one more query for the whole page: ``behind_plan`` on
    every row, the plans on the detail."""
    plans = CategoryPlan.objects.select_related("owner", "updated_by")
    return integrations.prefetch_related(Prefetch("category_plans", queryset=plans))


def as_resources(integrations: QuerySet[Integration]) -> QuerySet[Integration]:
    """What the integration resource reads beyond its row: its plans, and its newest
    partner view (``partner_view`` and "seen differently"), one more query each per page."""
    return partner_view_reads.with_latest(with_plans(integrations))


@extend_schema_view(
    list=extend_schema(
        summary="List integrations with their current scorecard",
        description="Filtered and sorted like the dashboard, with the same parameters.",
        parameters=integration_parameters(),
        responses={200: IntegrationSerializer(many=True), **error_responses(400, 404, *READ)},
    ),
    retrieve=extend_schema(
        summary="An integration, its current scorecard and its plans",
        responses={200: IntegrationDetailSerializer, **error_responses(404, *READ)},
    ),
    create=extend_schema(
        summary="Add an integration",
        description="To a team in which you are a product manager (leads and admins: any team).",
        request=IntegrationSerializer,
        responses={201: IntegrationDetailSerializer, **error_responses(*WRITE)},
    ),
    update=extend_schema(
        summary="Replace an integration's record",
        description="For its team's product managers, leads and admins. Send `version` to be "
        "told (409) when someone saved it since you read it.",
        request=IntegrationSerializer,
        responses={200: IntegrationDetailSerializer, **error_responses(404, 409, *WRITE)},
    ),
    partial_update=extend_schema(
        summary="Change some of an integration's fields",
        description="For its team's product managers, leads and admins. Send `version` to be "
        "told (409) when someone saved it since you read it.",
        request=IntegrationSerializer,
        responses={200: IntegrationDetailSerializer, **error_responses(404, 409, *WRITE)},
    ),
)
class IntegrationViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Integrations, each with its current scorecard (its latest assessment): steps, total,
    band, next step, and why it needs attention."""

    serializer_class = IntegrationSerializer
    permission_classes = [permissions.IntegrationPermission]
    filter_backends = [IntegrationFilterBackend]
    # No DELETE: admins delete integrations in the Django admin.
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    not_offered = {
        "DELETE": "Integrations are not deleted through the API: an admin deletes them in "
        "the Django admin.",
    }

    def get_queryset(self) -> QuerySet[Integration]:
        return as_resources(Integration.objects.for_ranking())

    def filter_queryset(self, queryset: QuerySet[Integration]) -> QuerySet[Integration]:
        # The dashboard's filter ranks its own rows (for_ranking): the plans and partner
        # views join them here.
        return as_resources(super().filter_queryset(queryset))

    def get_serializer_class(self):
        return IntegrationSerializer if self.action == "list" else IntegrationDetailSerializer

    def create(self, request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("version", None)
        with errors.service_errors(Integration):
            integration = services.integration_create(**fields)
        return Response(
            self._fresh(integration),
            status=status.HTTP_201_CREATED,
            headers={"Location": _detail_url(request, "integration", integration.pk)},
        )

    def update(self, request, *args: Any, partial: bool = False, **kwargs: Any) -> Response:
        integration = self.get_object()
        serializer = self.get_serializer(integration, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version", None)
        if changes:
            with errors.service_errors(Integration):
                services.integration_update(
                    integration=integration, expected_version=version, **changes
                )
        return Response(self._fresh(integration))

    def partial_update(self, request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def _fresh(self, integration: Integration) -> dict[str, Any]:
        """The record as saved, with its scorecard."""
        return self.get_serializer(self.get_queryset().get(pk=integration.pk)).data


# -- plans and hurdles: an integration's parts ---------------------------------------------


def version_param(request, *, minimum: int) -> int | None:
    """A DELETE's ``?version=``: the version the client read (None: whatever is saved)."""
    raw = request.query_params.get("version", "")
    if not raw:
        return None
    if not VERSION_PARAM.fullmatch(raw) or not minimum <= int(raw) <= MAX_VERSION:
        raise exceptions.ValidationError(
            {"version": [f"Give the version as a whole number from {minimum} to {MAX_VERSION}."]}
        )
    return int(raw)


VERSION_PARAM = re.compile(r"[0-9]{1,10}")


def delete_version_parameter(minimum: int, what: str) -> OpenApiParameter:
    return OpenApiParameter(
        "version",
        {"type": "integer", "minimum": minimum, "maximum": MAX_VERSION},
        OpenApiParameter.QUERY,
        description=f"The version of the {what} you read: if someone saved it since, nothing "
        "is removed and the answer is 409. Without it, whatever is saved now is removed.",
    )


CATEGORY_PARAMETER = OpenApiParameter(
    "category",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=list(rubric.CATEGORY_KEYS),
    description="A rubric category's key.",
)


class IntegrationPartMixin(ApiViewMixin):
    """Views of one integration's plans or hurdles, addressed under the integration."""

    permission_classes = [permissions.IntegrationPartPermission]
    filter_backends: list = []

    @cached_property
    def integration(self) -> Integration:
        """The integration in the address, with its scorecard and plans; 404 if there is none."""
        found = with_plans(Integration.objects.for_ranking()).filter(
            pk=self.kwargs["integration_pk"]
        )
        integration = found.first()
        if integration is None:
            raise exceptions.NotFound("There is no integration with this id.")
        return integration

    def check_may_change(self) -> None:
        """403 unless the user may change the integration's plans and hurdles."""
        self.check_object_permissions(self.request, self.integration)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if "integration_pk" in self.kwargs:  # not while the schema is generated
            context["steps"] = current_steps(self.integration)
        return context


PLAN_WRITES = (
    "For the integration's team's product managers, leads and admins, as on its plans page. "
    "A target is a step above the current one and a date: today or later, unless the step "
    "is already reached; a challenge comes with its contingency plan. "
)


class PlanListView(IntegrationPartMixin, generics.GenericAPIView):
    """The integration's plans, one per rubric category that has one."""

    serializer_class = PlanSerializer
    pagination_class = None
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        summary="An integration's plans",
        description="In rubric order; a category without a plan is not listed.",
        responses={200: PlanSerializer(many=True), **error_responses(404, *READ)},
    )
    def get(self, request, integration_pk: int) -> Response:
        plans = plans_in_order(self.integration)
        return Response(self.get_serializer(plans, many=True).data)


@extend_schema(parameters=[CATEGORY_PARAMETER])
class PlanDetailView(IntegrationPartMixin, generics.GenericAPIView):
    """One rubric category's plan of an integration: read, create or change, remove."""

    serializer_class = PlanSerializer
    http_method_names = ["get", "put", "delete", "head", "options"]
    not_offered = {
        "PATCH": "Send the plan with PUT: the fields you leave out stay as saved.",
        "POST": "Send the plan with PUT, with version 0 when the category has no plan yet.",
    }

    @cached_property
    def category(self) -> rubric.Category:
        key = self.kwargs["category"]
        if key not in rubric.CATEGORY_KEYS:
            raise exceptions.NotFound(
                f"There is no rubric category {echo(key)}: use one of "
                f"{', '.join(rubric.CATEGORY_KEYS)}."
            )
        return rubric.category(key)

    def saved_plan(self) -> CategoryPlan | None:
        plans = self.integration.category_plans.all()  # prefetched
        return next((plan for plan in plans if plan.category == self.category.key), None)

    def get_object(self) -> CategoryPlan:
        """The saved plan, or 404; asked by OPTIONS before it describes PUT, too."""
        plan = self.saved_plan()
        if plan is None:
            raise exceptions.NotFound(
                f"{self.category.name} has no plan yet: PUT one with version 0 to add it."
            )
        self.check_object_permissions(self.request, self.integration)
        return plan

    @extend_schema(
        summary="One category's plan",
        responses={200: PlanSerializer, **error_responses(404, *READ)},
    )
    def get(self, request, integration_pk: int, category: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Add or change one category's plan",
        description=PLAN_WRITES + "Fields you leave out stay as saved (a new plan: their "
        "defaults). Send `version` as you read it (0: the category had no plan) to be told "
        "(409) when someone saved, added or removed the plan since. 201 when the plan is new.",
        responses={
            200: PlanSerializer,
            201: PlanSerializer,
            **error_responses(404, 409, *WRITE),
        },
    )
    def put(self, request, integration_pk: int, category: str) -> Response:
        integration, key = self.integration, self.category.key
        self.check_may_change()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = fields.pop("version", None)
        existed = self.saved_plan() is not None
        with errors.service_errors(CategoryPlan):
            plan = plan_services.category_plan_save(
                integration=integration,
                category=key,
                updated_by=request.user,
                expected_version=version,
                **fields,
            )
        if existed:
            return Response(self.get_serializer(plan).data)
        location = reverse(
            "api:integration-plan-detail", args=[integration.pk, key], request=request
        )
        return Response(
            self.get_serializer(plan).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )

    @extend_schema(
        summary="Remove one category's plan",
        description="For the integration's team's product managers, leads and admins. A "
        "category without a plan stays without one (204 too).",
        parameters=[delete_version_parameter(plan_services.NO_PLAN, "plan")],
        responses={204: None, **error_responses(400, 404, 409, *READ)},
    )
    def delete(self, request, integration_pk: int, category: str) -> Response:
        key = self.category.key
        self.check_may_change()
        version = version_param(request, minimum=plan_services.NO_PLAN)
        with errors.service_errors(CategoryPlan):
            plan_services.category_plan_delete(
                integration=self.integration, category=key, expected_version=version
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


class HurdleListView(IntegrationPartMixin, mixins.ListModelMixin, generics.GenericAPIView):
    """The integration's internal hurdles: open ones first, then resolved, oldest first."""

    serializer_class = HurdleSerializer
    queryset = Hurdle.objects.none()  # the schema's model; requests read get_queryset()
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Hurdle]:
        if "integration_pk" not in self.kwargs:  # the schema is being generated
            return self.queryset
        hurdles = Hurdle.objects.filter(integration=self.integration)
        return hurdles.select_related("owner", "updated_by").order_by("resolved", "pk")

    @extend_schema(
        summary="An integration's internal hurdles",
        description="Open ones first, then resolved ones (kept for the record).",
        responses={200: HurdleSerializer(many=True), **error_responses(400, 404, *READ)},
    )
    def get(self, request, integration_pk: int) -> Response:
        return self.list(request)  # get_queryset: 404 for an unknown integration

    @extend_schema(
        summary="Record an internal hurdle",
        description="For the integration's team's product managers, leads and admins.",
        responses={201: HurdleSerializer, **error_responses(404, *WRITE)},
    )
    def post(self, request, integration_pk: int) -> Response:
        self.check_may_change()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("version", None)
        with errors.service_errors(Hurdle):
            hurdle = hurdle_services.hurdle_create(
                integration=self.integration, updated_by=request.user, **fields
            )
        return Response(
            self.get_serializer(hurdle).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": _detail_url(request, "hurdle", hurdle.pk)},
        )


HURDLE_WRITES = (
    "For the integration's team's product managers, leads and admins. Send `version` to be "
    "told (409) when someone saved it since you read it."
)


@extend_schema_view(
    get=extend_schema(
        summary="An internal hurdle",
        responses={200: HurdleSerializer, **error_responses(404, *READ)},
    ),
    put=extend_schema(
        summary="Replace a hurdle",
        description=HURDLE_WRITES,
        responses={200: HurdleSerializer, **error_responses(404, 409, *WRITE)},
    ),
    patch=extend_schema(
        summary="Change some of a hurdle's fields",
        description=HURDLE_WRITES + " Mark an overcome hurdle `resolved` rather than removing it.",
        responses={200: HurdleSerializer, **error_responses(404, 409, *WRITE)},
    ),
    delete=extend_schema(
        summary="Remove a hurdle recorded by mistake",
        description="An overcome hurdle is marked `resolved` instead, for the record. "
        + HURDLE_WRITES,
        parameters=[delete_version_parameter(1, "hurdle")],
        responses={204: None, **error_responses(400, 404, 409, *READ)},
    ),
)
class HurdleDetailView(ApiViewMixin, mixins.RetrieveModelMixin, generics.GenericAPIView):
    """One internal hurdle of an integration."""

    serializer_class = HurdleSerializer
    permission_classes = [permissions.IntegrationPartPermission]
    filter_backends: list = []
    queryset = Hurdle.objects.select_related("integration", "owner", "updated_by")
    http_method_names = ["get", "put", "patch", "delete", "head", "options"]
    not_offered = {"POST": "Record a hurdle at its integration's hurdles/ address."}

    def get(self, request, pk: int) -> Response:
        return self.retrieve(request)

    def put(self, request, pk: int) -> Response:
        return self.update(request, partial=False)

    def patch(self, request, pk: int) -> Response:
        return self.update(request, partial=True)

    def update(self, request, *, partial: bool) -> Response:
        hurdle = self.get_object()  # asks the permission of its integration
        serializer = self.get_serializer(hurdle, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version", None)
        with errors.service_errors(Hurdle):
            hurdle_services.hurdle_update(
                hurdle=hurdle, updated_by=request.user, expected_version=version, **changes
            )
        return Response(self.get_serializer(hurdle).data)

    def delete(self, request, pk: int) -> Response:
        hurdle = self.get_object()
        version = version_param(request, minimum=1)
        with errors.service_errors(Hurdle):
            hurdle_services.hurdle_delete(hurdle=hurdle, expected_version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


# -- assessments ----------------------------------------------------------------------------

APPEND_ONLY = "Assessments are append-only: rate the integration again (POST) instead."


@extend_schema_view(
    list=extend_schema(
        summary="List assessments (the rating history)",
        description="Newest first. Filter by `integration`, `rated_after` and `rated_before`.",
        responses={200: AssessmentSerializer(many=True), **error_responses(400, 404, *READ)},
    ),
    retrieve=extend_schema(
        summary="An assessment",
        responses={200: AssessmentSerializer, **error_responses(404, *READ)},
    ),
    create=extend_schema(
        summary="Rate an integration",
        description="Adds an assessment, which becomes the integration's current scorecard. "
        "For the integration's team's product managers, leads and admins.",
        request=AssessmentCreateSerializer,
        responses={201: AssessmentSerializer, **error_responses(*WRITE)},
    ),
)
class AssessmentViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Assessments: an integration's ratings over time. Append-only: re-rating adds one."""

    serializer_class = AssessmentSerializer
    create_serializer_class = AssessmentCreateSerializer
    permission_classes = [permissions.AssessmentPermission]
    filter_backends = [DjangoFilterBackend]
    filterset_class = AssessmentFilter
    # Append-only: no PUT, PATCH or DELETE.
    http_method_names = ["get", "post", "head", "options"]
    not_offered = dict.fromkeys(("PUT", "PATCH", "DELETE"), APPEND_ONLY)

    def get_queryset(self) -> QuerySet[Assessment]:
        return Assessment.objects.for_history()

    def create(self, request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        integration = data["integration"]
        if not permissions.can_rate(request.user, integration):
            raise exceptions.PermissionDenied(permissions.RATE_DENIED)
        with errors.service_errors(Assessment, rename=ASSESSMENT_FIELDS):
            assessment = services.assessment_create(
                integration=integration,
                rated_by=request.user,
                steps=data["steps"],
                notes=data.get("notes"),
                comment=data.get("comment", ""),
                rated_at=data.get("rated_at"),
            )
        return Response(
            AssessmentSerializer(assessment, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": _detail_url(request, "assessment", assessment.pk)},
        )


# -- the schema and its documentation page ---------------------------------------------------


class SchemaView(ApiViewMixin, SpectacularAPIView):
    """The OpenAPI 3 schema: public, so that tools can read it without credentials."""

    # JSON unless YAML is asked for (Accept: application/vnd.oai.openapi, or ?format=yaml);
    # OpenApiJsonRenderer2 answers Accept: application/json, which clients and code
    # generators send, with the same document under that type.
    renderer_classes = [OpenApiJsonRenderer, OpenApiJsonRenderer2, OpenApiYamlRenderer]
    authentication_classes: list = []
    permission_classes = [AllowAny]
    # A document to read: OPTIONS would describe this view in DRF's metadata, which is
    # not an OpenAPI document whatever the renderer says.
    http_method_names = ["get", "head"]

    def handle_exception(self, exc: Exception) -> Response:
        # An error is the API's error body, as plain JSON, not an OpenAPI document.
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


def docs(request: HttpRequest) -> HttpResponse:
    """Swagger UI, served from our own static files and configured by a static script.

    drf-spectacular's own Swagger pages put a <style> block in the page, and
    its split view serves the set-up script from a view that writes the CSRF
    token into JavaScript; under our Content-Security-Policy (script-src and
    style-src 'self') the first is refused.  Here the page carries its settings
    in a json_script element and static/js/api-docs.js starts Swagger UI.
    """
    if request.method not in ("GET", "HEAD"):
        refused = errors.json_error(405, "Only GET is supported here.", "method_not_allowed")
        refused["Allow"] = "GET, HEAD"
        return refused
    return render(
        request,
        "api/docs.html",
        {
            "config": {
                "schemaUrl": url_reverse("api:schema"),
                "csrfHeader": settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-"),
                "csrfToken": get_token(request),
            },
        },
    )
