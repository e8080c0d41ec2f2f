"""factory_boy factories for the whole suite."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from partners.models import (
    Assessment,
    CategoryPlan,
    Hurdle,
    Integration,
    Membership,
    Partner,
    Team,
)

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.PRODUCT_MANAGER


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n}")
    slug = factory.LazyAttribute(lambda partner: partner.name.lower().replace(" ", "-"))
    website = factory.LazyAttribute(lambda partner: f"https://{partner.slug}.example.com")
    relationship_status = Partner.RelationshipStatus.ACTIVE


class IntegrationFactory(factory.django.DjangoModelFactory):
    """An integration owned by a member of its team (the rule the services enforce)."""

    class Meta:
        model = Integration

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Integration {n}")
    team = factory.SubFactory(TeamFactory)
    owner = factory.LazyAttribute(lambda o: MembershipFactory(team=o.team).user)
    status = Integration.Status.LIVE
    # A notice period agreed, so a live integration raises no relationship warning
    # unless a test asks for one (tests/partners/test_relationship_warnings.py).
    api_notice_days = 30


class AssessmentFactory(factory.django.DjangoModelFactory):
    """A saved assessment. Note: it does not move the integration's current
    pointers; use ``rate()`` below (the service) when the scorecard matters."""

    class Meta:
        model = Assessment

    integration = factory.SubFactory(IntegrationFactory)
    rated_by = factory.SubFactory(UserFactory)
    rated_at = factory.LazyFunction(timezone.now)
    value_transfer = 2
    business_relationship = 2
    support = 1
    data_relationship = 1
    adoption_priority = 1


class CategoryPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CategoryPlan

    integration = factory.SubFactory(IntegrationFactory)
    category = "support"
    challenge = "The partner's sandbox is shared and often reset."
    plan = "Ask for a dedicated test tenant; keep fixtures to re-create data."


class HurdleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hurdle

    integration = factory.SubFactory(IntegrationFactory)
    kind = Hurdle.Kind.RESOURCE
    category = "support"
    description = "Nobody on the team has time for the partner's support queue."
    severity = Hurdle.Severity.MEDIUM
    mitigation = "Ask for two days a month of a support engineer."


def steps(vt=1, br=1, su=1, dr=1, ap=1):
    """Steps in execution order, as the services take them."""
    return {
        "value_transfer": vt,
        "business_relationship": br,
        "support": su,
        "data_relationship": dr,
        "adoption_priority": ap,
    }


def rate(integration, user=None, rated_at=None, **step_values):
    """Rate through the service, so the integration's scorecard moves too."""
    from partners.services import assessment_create

    return assessment_create(
        integration=integration,
        rated_by=user or UserFactory(),
        steps=steps(**step_values),
        rated_at=rated_at,
    )


# -- review cycles (reviews app) -----------------------------------------------------------------


class ReviewCycleFactory(factory.django.DjangoModelFactory):
    """A draft cycle of integrations picked by hand (none yet: pass ``picked``), due in two
    weeks. Use ``open_cycle()`` below when the cycle's raters matter: it goes through the
    services, as a lead does."""

    class Meta:
        model = "reviews.ReviewCycle"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Review {n}")
    scope_kind = "picked"
    opens_on = factory.LazyFunction(timezone.localdate)
    due_on = factory.LazyAttribute(lambda cycle: cycle.opens_on + timedelta(days=14))
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def picked(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted:
            obj.picked.set(extracted)


def open_cycle(
    integrations,
    *,
    created_by=None,
    opens_on=None,
    due_on=None,
    now=None,
    raters=None,
    **fields,
):
    """A cycle of ``integrations`` picked by hand, opened through the services.

    Each integration's owner rates it (none without an owner); ``raters`` maps an
    integration to more people who rate it too. ``now`` is the moment it opened.
    """
    from reviews import services as review_services

    if opens_on is None:
        opens_on = timezone.localdate(now) if now else timezone.localdate()
    cycle = review_services.cycle_create(
        created_by=created_by or UserFactory(),
        name=fields.pop("name", f"Review of {len(integrations)}"),
        opens_on=opens_on,
        due_on=due_on or opens_on + timedelta(days=14),
        scope_kind="picked",
        picked=integrations,
        **fields,
    )
    review_services.cycle_open(cycle=cycle, now=now)
    for integration, people in (raters or {}).items():
        item = cycle.items.get(integration=integration)
        for person in people:
            review_services.assignment_add(item=item, rater=person)
    return cycle


def assignment_of(cycle, integration, rater=None):
    """The assignment of ``rater`` (default: the integration's owner) in ``cycle``."""
    from reviews.models import Assignment

    return Assignment.objects.select_related("item__cycle", "item__integration").get(
        item__cycle=cycle, item__integration=integration, rater=rater or integration.owner
    )
