"""The review-cycle API (/api/v1/reviews/): cycles, their progress, raters and ratings.

Built on the API's own pieces (api/views.py's ApiViewMixin: authentication,
the body size limit, 405s that say why, JSON errors; api/permissions.py's
CanRead; the page-numbered lists), so it behaves like the rest of /api/v1/.
Thin views: serializers check, reviews.services writes, reviews.selectors
reads, reviews.permissions decides, as on the pages.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property
from typing import Any

import django_filters
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, mixins, status, viewsets
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from api import errors
from api.permissions import CanRead
from api.schema import READ, WRITE
from api.schema import errors as error_responses
from api.views import ASSESSMENT_FIELDS, ApiViewMixin
from partners.models import Assessment
from reviews import permissions, selectors, services
from reviews.models import Assignment, CycleStatus, ReviewCycle
from reviews.serializers import (
    AssignmentCreateSerializer,
    AssignmentSerializer,
    CycleCreateSerializer,
    CycleDetailSerializer,
    CycleSerializer,
    RatingCreateSerializer,
    RatingSerializer,
)

MANAGE_DENIED = (
    "Only partnership leads and admins create, open and close review cycles and choose "
    "their raters."
)
RATE_DENIED = "Only the person asked for this review rates it: it is assigned to someone else."
NOT_CHANGED_HERE = (
    "A cycle's name, dates and scope are changed on its page (/reviews/<id>/edit/); "
    "through the API it is opened (open/) and closed (close/)."
)


class ReviewPermission(CanRead):
    """Members read cycles; a view's writes are for leads and admins when ``manages`` says so.

    OPTIONS asks too, with the request's method set to POST, before it describes
    the POST body: the same rule decides whether it does.
    """

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        # A method the address does not offer is a 405 whoever asks, as elsewhere in the API.
        offered = request.method in view.allowed_methods
        writes = request.method not in SAFE_METHODS and offered
        if (
            writes
            and getattr(view, "manages", False)
            and not permissions.can_manage_cycles(request.user)
        ):
            self.message = MANAGE_DENIED
            return False
        return True


class CycleFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=CycleStatus.choices, help_text="Only the cycles in this state."
    )

    class Meta:
        model = ReviewCycle
        fields = ["status"]


def cycle_queryset() -> QuerySet[ReviewCycle]:
    """The list's cycles with their counts, who made them and what was picked (3 queries)."""
    return selectors.cycle_list().select_related("created_by").prefetch_related("picked")


def _cycle_url(request, cycle: ReviewCycle) -> str:
    return reverse("reviews_api:cycle-detail", args=[cycle.pk], request=request)


CYCLE_PATH = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The cycle's id.")


@extend_schema_view(
    list=extend_schema(
        summary="List review cycles",
        description="Newest due first, each with its counts. Filter with `status`.",
        responses={200: CycleSerializer(many=True), **error_responses(400, 404, *READ)},
    ),
    create=extend_schema(
        summary="Create a review cycle",
        description="For partnership leads and admins. A draft, unless `open` is true: then it "
        "opens at once (its scope frozen, each integration's owner asked to rate it), or "
        "nothing is saved.",
        request=CycleCreateSerializer,
        responses={201: CycleDetailSerializer, **error_responses(*WRITE)},
    ),
    retrieve=extend_schema(
        summary="A review cycle and its progress",
        description="With the counts of reviews assigned, rated and overdue, and the state of "
        "each integration in its scope.",
        parameters=[CYCLE_PATH],
        responses={200: CycleDetailSerializer, **error_responses(404, *READ)},
    ),
)
class CycleViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Review cycles: every member reads them; leads and admins create them."""

    serializer_class = CycleSerializer
    create_serializer_class = CycleCreateSerializer
    permission_classes = [ReviewPermission]
    manages = True
    filter_backends = [DjangoFilterBackend]
    filterset_class = CycleFilter
    not_offered = {
        "PUT": NOT_CHANGED_HERE,
        "PATCH": NOT_CHANGED_HERE,
        "DELETE": "Review cycles are not deleted through the API: close it instead.",
    }

    def get_queryset(self) -> QuerySet[ReviewCycle]:
        return cycle_queryset()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CycleDetailSerializer
        return super().get_serializer_class()

    def retrieve(self, request, *args: Any, **kwargs: Any) -> Response:
        return Response(cycle_detail(request, self.get_object(), self.get_serializer_context()))

    def create(self, request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        opening = fields.pop("open")
        with errors.service_errors(ReviewCycle), transaction.atomic():
            # One transaction: a cycle asked to open that cannot is not left behind as a draft.
            cycle = services.cycle_create(created_by=request.user, **fields)
            if opening:
                services.cycle_open(cycle=cycle)
        return Response(
            cycle_detail(request, cycle, self.get_serializer_context()),
            status=status.HTTP_201_CREATED,
            headers={"Location": _cycle_url(request, cycle)},
        )


def cycle_detail(request, cycle: ReviewCycle, context: dict[str, Any]) -> dict[str, Any]:
    """The cycle as saved now, with its counts and progress (selectors.progress: 3 queries)."""
    fresh = cycle_queryset().get(pk=cycle.pk)
    progress = selectors.progress(fresh, request.user)
    return CycleDetailSerializer(fresh, context={**context, "progress": progress}).data


def cycle_or_404(pk: int) -> ReviewCycle:
    cycle = ReviewCycle.objects.filter(pk=pk).first()
    if cycle is None:
        raise exceptions.NotFound("There is no review cycle with this id.")
    return cycle


class CycleActionView(ApiViewMixin, APIView):
    """POST: one step of a cycle's life (``act``), for leads and admins; the cycle comes back.

    An APIView, not a viewset's action: OPTIONS then describes no body, as there is none.
    """

    permission_classes = [ReviewPermission]
    manages = True
    http_method_names = ["post", "options"]
    act = staticmethod(services.cycle_open)

    def post(self, request, pk: int) -> Response:
        cycle = cycle_or_404(pk)
        with errors.service_errors(ReviewCycle):
            self.act(cycle=cycle)
        return Response(cycle_detail(request, cycle, {"request": request, "now": self.now}))


@extend_schema_view(
    post=extend_schema(
        summary="Open a draft cycle",
        description="For partnership leads and admins: the scope is frozen and each "
        "integration's owner asked to rate it. 400 when the cycle is not a draft, or its "
        "scope has no integrations.",
        request=None,
        parameters=[CYCLE_PATH],
        responses={200: CycleDetailSerializer, **error_responses(404, *WRITE)},
    )
)
class CycleOpenView(CycleActionView):
    act = staticmethod(services.cycle_open)
    not_offered = {"GET": "Open a cycle with POST (no body)."}


@extend_schema_view(
    post=extend_schema(
        summary="Close an open cycle",
        description="For partnership leads and admins: nothing more is rated in it; what was "
        "rated stays. 400 when the cycle is not open.",
        request=None,
        parameters=[CYCLE_PATH],
        responses={200: CycleDetailSerializer, **error_responses(404, *WRITE)},
    )
)
class CycleCloseView(CycleActionView):
    act = staticmethod(services.cycle_close)
    not_offered = {"GET": "Close a cycle with POST (no body)."}


class CycleMixin(ApiViewMixin):
    """Views addressed under one cycle (``pk``)."""

    permission_classes = [ReviewPermission]
    filter_backends: list = []

    @cached_property
    def cycle(self) -> ReviewCycle:
        return cycle_or_404(self.kwargs["pk"])

    def get_serializer_context(self) -> dict[str, Any]:
        context = {**super().get_serializer_context(), "today": timezone.localdate(self.now)}
        if "pk" in self.kwargs:  # not while the schema is generated
            context.update(cycle=self.cycle, visible=self.visible)
        return context

    @cached_property
    def _unrated_items(self) -> frozenset[int]:
        """The items the viewer is asked to rate in this cycle and has not rated yet."""
        mine: dict[int, list[Assignment]] = defaultdict(list)
        for assignment in Assignment.objects.filter(
            item__cycle=self.cycle, rater=self.request.user.pk
        ):
            mine[assignment.item_id].append(assignment)
        return frozenset(
            item
            for item, assignments in mine.items()
            if not selectors.ratings_visible(self.request.user, assignments)
        )

    def visible(self, assignment: Assignment) -> bool:
        """The blind rule (selectors.ratings_visible): nobody's steps for an integration the
        viewer is to rate and has not."""
        return assignment.item_id not in self._unrated_items


def assignments_of(cycle: ReviewCycle) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(item__cycle=cycle)
        .select_related("item__cycle", "item__integration", "rater", "rating")
        .order_by("item__integration__name", "item_id", "pk")
    )


class AssignmentListView(CycleMixin, mixins.ListModelMixin, generics.GenericAPIView):
    """The cycle's reviews: who rates which integration, and where each stands."""

    serializer_class = AssignmentSerializer
    create_serializer_class = AssignmentCreateSerializer
    queryset = Assignment.objects.none()  # the schema's model; requests read get_queryset()
    manages = True
    http_method_names = ["get", "post", "head", "options"]
    not_offered = {
        "PUT": "Add a rater with POST; reassign or remove one on the cycle's page.",
        "DELETE": "Remove a rater on the cycle's page: a rated review stays, as evidence.",
    }

    def get_queryset(self) -> QuerySet[Assignment]:
        if "pk" not in self.kwargs:  # the schema is being generated
            return self.queryset
        return assignments_of(self.cycle)

    @extend_schema(
        summary="A cycle's reviews",
        description="One per rater and integration, by integration name. A rating's steps "
        "are shown to everyone except a rater of the same integration who has not rated it "
        "yet (ratings are blind until one's own is in).",
        parameters=[CYCLE_PATH],
        responses={200: AssignmentSerializer(many=True), **error_responses(400, 404, *READ)},
    )
    def get(self, request, pk: int) -> Response:
        self.cycle  # noqa: B018 -- 404 for an unknown cycle, before the page is read
        return self.list(request)

    @extend_schema(
        summary="Add a rater",
        description="For partnership leads and admins: one more person rates one integration "
        "of the cycle. A draft has no integrations to rate until it opens; a closed cycle "
        "takes no more raters.",
        parameters=[CYCLE_PATH],
        request=AssignmentCreateSerializer,
        responses={201: AssignmentSerializer, **error_responses(404, *WRITE)},
    )
    def post(self, request, pk: int) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with errors.service_errors(Assignment):
            added = services.assignment_add(item=data["integration"], rater=data["rater"])
        fresh = assignments_of(self.cycle).get(pk=added.pk)
        return Response(
            AssignmentSerializer(fresh, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class RatingView(CycleMixin, generics.GenericAPIView):
    """A rater's own rating of one review in the cycle."""

    serializer_class = RatingCreateSerializer
    http_method_names = ["post", "options"]
    not_offered = {
        "GET": "Read the rating in the cycle's assignments/ list.",
        "PUT": "A rating in a cycle is not changed: rate the integration again on its page.",
        "PATCH": "A rating in a cycle is not changed: rate the integration again on its page.",
        "DELETE": "A rating is evidence: it is not removed.",
    }

    def get_object(self) -> Assignment:
        assignment = (
            Assignment.objects.select_related("item__cycle", "item__integration", "rater")
            .filter(pk=self.kwargs["assignment_pk"], item__cycle_id=self.kwargs["pk"])
            .first()
        )
        if assignment is None:
            raise exceptions.NotFound("There is no review with this id in this cycle.")
        return assignment

    @extend_schema(
        summary="Rate one's review",
        description="Only the person asked for the review rates it, while the cycle is open, "
        "once. With one rater the rating is the integration's assessment of record at once; "
        "with several it waits, blind, for the agreed rating. The body is "
        "POST /api/v1/assessments/'s without the integration and the date.",
        parameters=[
            CYCLE_PATH,
            OpenApiParameter(
                "assignment_pk", int, OpenApiParameter.PATH, description="The review's id."
            ),
        ],
        request=RatingCreateSerializer,
        responses={201: RatingSerializer, **error_responses(404, *WRITE)},
    )
    def post(self, request, pk: int, assignment_pk: int) -> Response:
        assignment = self.get_object()
        # Only the rater; whether the cycle is open is the service's to say (400, with why).
        if assignment.rater_id != request.user.pk:
            raise exceptions.PermissionDenied(RATE_DENIED)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with errors.service_errors(Assessment, rename=ASSESSMENT_FIELDS):
            rating = services.rating_submit(
                assignment=assignment,
                steps=data["steps"],
                notes=data.get("notes"),
                comment=data.get("comment", ""),
            )
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)
