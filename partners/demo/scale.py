"""The scale portfolio: thousands of generated integrations with a year of ratings each.

For performance work (``seed_demo --integrations N``, ``make bench``), so it
is written with the batch services the CSV import uses
(:mod:`partners.batch_services`): the per-record services validate and save
one row at a time (with a locked read and a pointer update per assessment),
which for 100,000 assessments takes many minutes; batches take seconds.  What
the batch services give each record comes with it, as for an import: a slug
by the services' rule, a history row, the current/previous assessment
pointers, one new data version.  The service rules that the batch services
leave to their caller hold by construction: names are numbered, so unique;
owners and raters are the team's demo product managers and leads; every
rating passes :func:`partners.services.assessment_build`.

Most generated integrations also get a value exchange and a plan for their
next step (a target met, on track or behind plan, an owner, often an effort
estimate), made in bulk with their history rows as the batch services make
theirs.  The target rule holds by construction: a target not yet reached is
above the current step, and one dated in the past stands for a target set
before that date.  They come from a generator of their own, so the ratings
are the same as without them.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import CommandError
from django.utils import timezone

from partners import batch_services, services
from partners.demo.builder import DEMO_SEED
from partners.demo.data import PEOPLE, PLAN_TEXT, RATER_ROLES
from partners.models import (
    Assessment,
    CategoryPlan,
    Incentive,
    Integration,
    IntegrationStatus,
    Membership,
    Partner,
    Party,
    PlanStatus,
    PlatformOpenness,
    RelationshipStatus,
    Sourcing,
    SupportTerms,
    Team,
    ValueKind,
)
from scorecard import rubric

SCALE_SEED = DEMO_SEED + 1
PLAN_SEED = SCALE_SEED + 1  # plans and value exchange: their own generator
PLAN_SHARE = 0.7  # of the generated integrations with a next step, those with a plan for it
SCALE_PARTNER = "Scale Partner {:05d}"
SCALE_WEBSITE = "https://scale-partner-{:05d}.example.com"
SCALE_INTEGRATION = "Scale integration {:06d}"
INTEGRATIONS_PER_SCALE_PARTNER = 5
SCALE_CHUNK = 500  # integrations per round trip: bounds memory and statement size
MINUTES_PER_YEAR = 365 * 24 * 60


@dataclass
class ScaleResult:
    partners: int
    integrations: int
    assessments: int
    plans: int
    seconds: float


def _scale_people(teams: Sequence[Team]) -> dict[int, list[AbstractBaseUser]]:
    """Team id -> its demo product managers and leads (owners and raters)."""
    usernames = [person.username for person in PEOPLE]
    people: dict[int, list[AbstractBaseUser]] = {team.pk: [] for team in teams}
    memberships = (
        Membership.objects.filter(
            team__in=teams, user__username__in=usernames, role__in=RATER_ROLES
        )
        .select_related("user")
        .order_by("team_id", "user__username")
    )
    for membership in memberships:
        people[membership.team_id].append(membership.user)
    empty = [team.name for team in teams if not people[team.pk]]
    if empty:
        raise CommandError(f"No demo product managers in {', '.join(empty)}.")
    return people


def _scale_steps(count: int, rng: random.Random) -> list[dict[str, int]]:
    """A plausible history: mostly climbing a step at a time, now and then slipping."""
    current = {key: rng.choice((1, 1, 1, 2)) for key in rubric.CATEGORY_KEYS}
    history = []
    for _ in range(count):
        history.append(current)  # checked by assessment_build, as every rating is
        roll = rng.random()
        key = rng.choice(rubric.CATEGORY_KEYS)
        if roll < 0.55 and current[key] < rubric.MAX_STEP:
            current = {**current, key: current[key] + 1}
        elif roll > 0.95 and current[key] > rubric.MIN_STEP:
            current = {**current, key: current[key] - 1}
    return history


def _scale_partners(count: int, rng: random.Random) -> tuple[dict[str, Partner], int]:
    """The scale partners ``count`` integrations need, by name in lower case; those
    missing are created.  Returns them and how many were created."""
    numbers = range(1, math.ceil(count / INTEGRATIONS_PER_SCALE_PARTNER) + 1)
    saved = Partner.objects.filter(name__istartswith="scale partner ").only("pk", "name")
    partners = {partner.name.lower(): partner for partner in saved}
    missing = [
        Partner(
            name=SCALE_PARTNER.format(number),
            website=SCALE_WEBSITE.format(number),
            description="Generated for scale testing.",
            platform_openness=rng.choice(PlatformOpenness.values),
            relationship_status=rng.choice(RelationshipStatus.values),
        )
        for number in numbers
        if SCALE_PARTNER.format(number).lower() not in partners
    ]
    created = batch_services.partners_bulk_save(creates=missing, updates=[], user=None)
    partners.update((partner.name.lower(), partner) for partner in created)
    return partners, len(created)


def _scale_history(
    integration: Integration,
    raters: Sequence[AbstractBaseUser],
    count: int,
    now: datetime,
    rng: random.Random,
) -> list[Assessment]:
    """``count`` ratings of ``integration`` over the past year, oldest first."""
    minutes = sorted(rng.sample(range(1, MINUTES_PER_YEAR), count))
    dates = [now - timedelta(minutes=m) for m in reversed(minutes)]
    return [
        services.assessment_build(
            integration=integration,
            rated_by=rng.choice(raters),
            steps=steps,
            rated_at=rated_at,
            now=now,
        )
        for rated_at, steps in zip(dates, _scale_steps(count, rng), strict=True)
    ]


def _scale_exchange(rng: random.Random) -> dict[str, object]:
    """A value exchange: mostly two-sided, now and then lopsided or not agreed yet."""
    kinds = ValueKind.values
    parties = ["", *Party.values]
    return {
        "partner_gets": sorted(rng.sample(kinds, rng.choice((0, 1, 1, 2))), key=kinds.index),
        "we_get": sorted(rng.sample(kinds, rng.choice((0, 1, 2, 2))), key=kinds.index),
        "built_by": rng.choice(parties),
        "hosted_by": rng.choice(parties),
        "supported_by": rng.choice(parties),
        "support_terms": rng.choice(["", *SupportTerms.values]),
        "api_notice_days": rng.choice((None, 30, 60, 90)),
    }


def _scale_plan(
    integration: Integration, steps: dict[str, int], now: datetime, rng: random.Random
) -> CategoryPlan | None:
    """A plan for the integration's first category below the top step, or None."""
    category = next((key for key in rubric.CATEGORY_KEYS if steps[key] < rubric.MAX_STEP), None)
    if category is None or rng.random() >= PLAN_SHARE:
        return None
    today = timezone.localdate(now)
    current = steps[category]
    met = current > rubric.MIN_STEP and rng.random() < 0.2
    if met:
        # Reached at the last rating: dated in the past, when it was due.
        target_step, target_date = current, today - timedelta(days=rng.randint(1, 60))
        status = PlanStatus.DONE
    else:
        target_step, target_date = current + 1, today + timedelta(days=rng.randint(-90, 180))
        status = rng.choice((PlanStatus.NOT_STARTED, PlanStatus.IN_PROGRESS, PlanStatus.BLOCKED))
    estimated = rng.random() < 0.7
    outsourced = estimated and rng.random() < 0.3
    challenge, plan = PLAN_TEXT[category]
    return CategoryPlan(
        integration=integration,
        category=category,
        target_step=target_step,
        target_date=target_date,
        challenge=challenge.format(partner=integration.partner.name),
        plan=plan.format(partner=integration.partner.name),
        owner=integration.owner,
        status=status,
        effort_weeks=Decimal(rng.randint(1, 24)) / 2 if estimated else None,
        sourcing=Sourcing.OUTSOURCED if outsourced else Sourcing.IN_HOUSE,
        hourly_rate=Decimal(rng.randrange(60, 181, 5)) if outsourced else None,
    )


def _scale_plans_create(plans: Sequence[CategoryPlan]) -> int:
    """Save generated plans through the batch service, checked as it asks its callers to."""
    if not plans:
        return 0
    for plan in plans:
        # The field and pair rules, without a query per plan: each integration is new.
        plan.full_clean(
            exclude=["integration", "owner", "updated_by"],
            validate_unique=False,
            validate_constraints=False,
        )
    # The targets lie ahead by construction (the target rule holds without a query).
    batch_services.plans_bulk_save(creates=plans, updates=[], user=None)
    return len(plans)


def build_scale(
    *, count: int, assessments_per: int, teams: Sequence[Team], now: datetime, rng: random.Random
) -> ScaleResult:
    """Make sure ``count`` generated integrations exist, each with its history.

    Integrations are spread over ``teams`` (the demo teams); one that exists
    already is left as it is, so a rerun adds only the difference.
    """
    started = time.perf_counter()
    plan_rng = random.Random(PLAN_SEED)
    people = _scale_people(teams)
    partners, created_partners = _scale_partners(count, rng)

    saved = Integration.objects.filter(name__startswith="Scale integration ")
    existing = set(saved.values_list("name", flat=True))
    missing = [
        number for number in range(1, count + 1) if SCALE_INTEGRATION.format(number) not in existing
    ]
    statuses = IntegrationStatus.values
    incentives = Incentive.values
    created_integrations = created_assessments = created_plans = 0
    for start in range(0, len(missing), SCALE_CHUNK):
        rows = []
        for number in missing[start : start + SCALE_CHUNK]:
            team = teams[(number - 1) % len(teams)]
            committed = rng.random() < 0.4
            partner_name = SCALE_PARTNER.format((number - 1) // INTEGRATIONS_PER_SCALE_PARTNER + 1)
            rows.append(
                Integration(
                    partner=partners[partner_name.lower()],
                    name=SCALE_INTEGRATION.format(number),
                    team=team,
                    owner=rng.choice(people[team.pk]),
                    status=rng.choices(statuses, weights=(1, 2, 6, 1))[0],
                    incentive_model=rng.choice(incentives),
                    has_commitments=committed,
                    commitments="Response within two business days." if committed else "",
                    intent="Generated for scale testing.",
                    **_scale_exchange(plan_rng),
                )
            )
        created = batch_services.integrations_bulk_save(creates=rows, updates=[], user=None)
        created_integrations += len(created)
        histories = [
            (
                integration,
                _scale_history(integration, people[integration.team_id], assessments_per, now, rng),
            )
            for integration in created
        ]
        assessments = [assessment for _, history in histories for assessment in history]
        batch_services.assessments_bulk_create(assessments=assessments)
        created_assessments += len(assessments)
        plans = [
            plan
            for integration, history in histories
            if history and (plan := _scale_plan(integration, history[-1].steps, now, plan_rng))
        ]
        created_plans += _scale_plans_create(plans)
    return ScaleResult(
        partners=created_partners,
        integrations=created_integrations,
        assessments=created_assessments,
        plans=created_plans,
        seconds=time.perf_counter() - started,
    )
