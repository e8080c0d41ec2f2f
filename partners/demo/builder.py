"""Builds the demo portfolio of :mod:`partners.demo.data` through the services.

Every write is a service call (:mod:`partners.services`,
:mod:`partners.plan_services`), so the demo obeys the same rules as the app and
records the same history.  Randomness (who rates when, which evidence note)
comes from a seeded generator, so a run is deterministic relative to the
moment it starts.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from partners import hurdle_services, plan_services, services, share_services
from partners.demo.data import (
    NOTES,
    OCCASIONS,
    PARTNERS,
    PEOPLE,
    PLAN_TEXT,
    RATER_ROLES,
    STORIES,
    TEAMS,
    PartnerSpec,
    Person,
    Plan,
    Steps,
    Story,
)
from partners.models import Integration, Membership, Partner, Role, Sourcing, Team
from scorecard import rubric, scoring

DEMO_SEED = 20_240_611
DEMO_USERNAME = "demo"


@dataclass
class Created:
    teams: int = 0
    users: int = 0
    partners: int = 0
    integrations: int = 0
    assessments: int = 0
    plans: int = 0
    hurdles: int = 0
    partner_views: int = 0

    @property
    def anything(self) -> bool:
        return any(vars(self).values())


def as_steps(values: Sequence[int]) -> dict[str, int]:
    return scoring.check_steps(dict(zip(rubric.CATEGORY_KEYS, values, strict=True)))


def growth_path(start: Steps, final: Steps, count: int, rng: random.Random) -> list[dict[str, int]]:
    """``count`` step sets rising one step at a time from ``start`` to ``final``.

    Earlier categories tend to move first (the rubric's order of execution);
    when there are fewer steps to climb than re-ratings, some re-ratings find
    nothing changed.
    """
    current = dict(as_steps(start))
    target = as_steps(final)
    climbs = [key for key in rubric.CATEGORY_KEYS for _ in range(target[key] - current[key])]
    if any(target[key] < current[key] for key in rubric.CATEGORY_KEYS):
        raise ValueError("A growth path only climbs; use Story.then for a drop.")
    position = {key: index for index, key in enumerate(rubric.CATEGORY_KEYS)}
    climbs.sort(key=lambda key: position[key] + rng.uniform(0, 2.5))
    moves = count - 1
    groups: list[list[str]] = []
    if climbs and moves:
        cuts = sorted(rng.sample(range(1, len(climbs)), min(moves, len(climbs)) - 1))
        bounds = [0, *cuts, len(climbs)]
        groups = [climbs[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    while len(groups) < moves:
        groups.insert(rng.randrange(len(groups) + 1), [])
    path = [dict(current)]
    for group in groups:
        for key in group:
            current[key] += 1
        path.append(dict(current))
    if path[-1] != target:
        # Fewer re-ratings than climbs would leave the last ones unapplied.
        path[-1] = dict(target)
    return path


def spread_dates(
    count: int, first_days_ago: int, last_days_ago: int, now: datetime, rng: random.Random
) -> list[datetime]:
    """``count`` moments, oldest first, from ``first_days_ago`` to ``last_days_ago``."""
    if count == 1:
        days = [last_days_ago]
    else:
        gap = (first_days_ago - last_days_ago) / (count - 1)
        days = [round(first_days_ago - i * gap) for i in range(count)]
        # Jitter the middle ones, keeping them in order and apart.
        for i in range(1, count - 1):
            days[i] += rng.randint(-int(gap / 4), int(gap / 4))
    return [
        now - timedelta(days=day, hours=rng.randint(1, 9), minutes=rng.randint(0, 59))
        for day in days
    ]


def change_comment(before: dict[str, int] | None, after: dict[str, int], rng: random.Random) -> str:
    """An overall comment naming the steps that moved since the previous rating."""
    if before is None:
        return "First rating after the kickoff with the partner."
    moves = [
        f"{category.name}: {category.step(before[category.key]).name} → "
        f"{category.step(after[category.key]).name}"
        for category in rubric.CATEGORIES
        if before[category.key] != after[category.key]
    ]
    occasion = rng.choice(OCCASIONS)
    if not moves:
        return f"{occasion} Nothing has moved since last time."
    return f"{occasion} {'; '.join(moves)}."


class EvidenceNotes:
    """Notes for one integration's history: the same evidence while a step holds."""

    def __init__(self, partner: str, rng: random.Random) -> None:
        self.partner = partner
        self.rng = rng
        self.chosen: dict[tuple[str, int], str] = {}

    def __call__(self, steps: dict[str, int]) -> dict[str, str]:
        for key, step in steps.items():
            if (key, step) not in self.chosen:
                note = self.rng.choice(NOTES[key][step])
                self.chosen[key, step] = note.format(partner=self.partner)
        return {key: self.chosen[key, step] for key, step in steps.items()}


class DemoBuilder:
    """Creates whatever part of the demo portfolio is missing, through the services."""

    def __init__(self, *, now: datetime, rng: random.Random) -> None:
        self.now = now
        self.rng = rng
        self.created = Created()
        self.teams: dict[str, Team] = {}
        self.users: dict[str, AbstractBaseUser] = {}
        self.partners: dict[str, Partner] = {}

    def build(self) -> Created:
        for name, description in TEAMS.items():
            self.teams[name] = self._team(name, description)
        for person in PEOPLE:
            self.users[person.username] = self._person(person)
        for spec in PARTNERS:
            self.partners[spec.name] = self._partner(spec)
        for story in STORIES:
            self._story(story)
        return self.created

    def _team(self, name: str, description: str) -> Team:
        team = Team.objects.filter(name__iexact=name).first()
        if team is None:
            team = services.team_create(name=name, description=description)
            self.created.teams += 1
        return team

    def _person(self, person: Person) -> AbstractBaseUser:
        user_model = get_user_model()
        user = user_model.objects.filter(username=person.username).first()
        if user is None:
            user = user_model.objects.create_user(
                username=person.username,
                email=f"{person.username}@example.com",
                first_name=person.first_name,
                last_name=person.last_name,
            )
            # Demo people own and rate integrations; nobody signs in as them.
            user.set_unusable_password()
            user.save(update_fields=["password"])
            self.created.users += 1
        for team_name, role in person.roles:
            team = self.teams[team_name]
            if not Membership.objects.filter(team=team, user=user).exists():
                services.membership_set(team=team, user=user, role=role)
        return user

    def _partner(self, spec: PartnerSpec) -> Partner:
        partner = Partner.objects.filter(name__iexact=spec.name).first()
        if partner is None:
            partner = services.partner_create(
                name=spec.name,
                website=spec.website,
                description=spec.description,
                platform_openness=spec.openness,
                relationship_status=spec.status,
                contacts=spec.contacts,
            )
            self.created.partners += 1
        return partner

    def _raters(self, team: Team) -> list[AbstractBaseUser]:
        usernames = [
            person.username
            for person in PEOPLE
            if any(name == team.name and role in RATER_ROLES for name, role in person.roles)
        ]
        return [self.users[username] for username in usernames]

    def _story(self, story: Story) -> None:
        partner = self.partners[story.partner]
        if Integration.objects.filter(partner=partner, name__iexact=story.name).exists():
            return  # Already seeded: its history and plans came with it.
        team = self.teams[story.team]
        owner = self.users[story.owner] if story.owner else None
        exchange = story.exchange
        integration = services.integration_create(
            partner=partner,
            name=story.name,
            description=story.description,
            team=team,
            owner=owner,
            status=story.status,
            incentive_model=story.incentive,
            has_commitments=bool(story.commitments),
            commitments=story.commitments,
            intent=story.intent,
            partner_gets=list(exchange.partner_gets),
            we_get=list(exchange.we_get),
            built_by=exchange.built_by,
            hosted_by=exchange.hosted_by,
            supported_by=exchange.supported_by,
            support_terms=exchange.support_terms,
            api_notice_days=exchange.api_notice_days,
        )
        self.created.integrations += 1
        raters = self._raters(team)
        self.rng.shuffle(raters)
        # Targets are set as they were months ago, between the ratings of the time:
        # a plan set before a rating is saved before it, so "ahead of the current
        # step" is checked against the step of that day.
        plans = sorted(story.plans, key=lambda plan: -plan.set_days_ago)
        for index, (rated_at, steps, notes, comment) in enumerate(self._history(story)):
            while plans and self._set_at(plans[0]) < rated_at:
                self._plan(integration, plans.pop(0), owner or raters[0])
            services.assessment_create(
                integration=integration,
                rated_by=raters[index % len(raters)],  # colleagues take turns
                steps=steps,
                notes=notes,
                comment=comment,
                rated_at=rated_at,
            )
            self.created.assessments += 1
        for plan in plans:
            self._plan(integration, plan, owner or raters[0])
        for hurdle in story.hurdles:
            hurdle_services.hurdle_create(
                integration=integration,
                updated_by=owner or raters[0],
                kind=hurdle.kind,
                category=hurdle.category,
                description=hurdle.description,
                severity=hurdle.severity,
                owner=self._owner(hurdle.owner, owner),
                mitigation=hurdle.mitigation,
                resolved=hurdle.resolved,
            )
            self.created.hurdles += 1
        for view in story.partner_views:
            # As a lead would: a link for the partner's contact, answered once.
            link, _token = share_services.partner_link_create(
                integration=integration,
                created_by=owner or raters[0],
                contact_name=view.contact_name,
                contact_email=view.contact_email,
            )
            share_services.partner_view_submit(
                link=link,
                steps=as_steps(view.steps),
                notes=dict(zip(rubric.CATEGORY_KEYS, view.notes, strict=True)),
            )
            self.created.partner_views += 1

    def _set_at(self, plan: Plan) -> datetime:
        return self.now - timedelta(days=plan.set_days_ago)

    def _owner(
        self, username: str | None, default: AbstractBaseUser | None
    ) -> AbstractBaseUser | None:
        """A plan's or a hurdle's owner: "" is the integration's, None nobody."""
        if username is None:
            return None
        return self.users[username] if username else default

    def _plan(self, integration: Integration, plan: Plan, updated_by: AbstractBaseUser) -> None:
        challenge, text = PLAN_TEXT[plan.category]
        partner = integration.partner.name
        step, days = plan.target or (None, None)
        effort = plan.effort
        plan_services.category_plan_save(
            integration=integration,
            category=plan.category,
            updated_by=updated_by,
            today=timezone.localdate(self._set_at(plan)),
            challenge=plan.challenge or challenge.format(partner=partner),
            plan=plan.plan or text.format(partner=partner),
            status=plan.status,
            owner=self._owner(plan.owner, integration.owner),
            target_step=step,
            target_date=None if days is None else timezone.localdate(self.now + timedelta(days)),
            effort_weeks=Decimal(effort.weeks) if effort else None,
            sourcing=effort.sourcing if effort else Sourcing.IN_HOUSE,
            hourly_rate=Decimal(effort.hourly_rate) if effort and effort.hourly_rate else None,
            expected_value=plan.expected_value,
        )
        self.created.plans += 1

    def _history(
        self, story: Story
    ) -> Iterator[tuple[datetime, dict[str, int], dict[str, str], str]]:
        if story.history:
            for rating in story.history:
                yield (
                    self.now
                    - timedelta(
                        days=rating.days_ago,
                        hours=self.rng.randint(1, 9),
                        minutes=self.rng.randint(0, 59),
                    ),
                    as_steps(rating.steps),
                    dict(zip(rubric.CATEGORY_KEYS, rating.notes, strict=True)),
                    rating.comment,
                )
            return
        if story.final is None:
            return
        path = growth_path(story.start or story.final, story.final, story.ratings, self.rng)
        comments = [change_comment(None, path[0], self.rng)]
        comments += [
            change_comment(before, after, self.rng)
            for before, after in zip(path, path[1:], strict=False)
        ]
        if story.then:
            path.append(as_steps(story.then))
            comments.append(story.then_comment or change_comment(path[-2], path[-1], self.rng))
        dates = spread_dates(
            len(path), story.first_days_ago, story.last_days_ago, self.now, self.rng
        )
        notes = EvidenceNotes(story.partner, self.rng)
        for rated_at, steps, comment in zip(dates, path, comments, strict=True):
            yield rated_at, steps, notes(steps), comment


def demo_teams() -> list[Team]:
    """The demo's teams, as saved (by name)."""
    return list(Team.objects.filter(name__in=TEAMS).order_by("name"))


# The roles a newcomer can try, each as one of the demo's own people (the admin is "demo").
TRY_ROLES = (Role.VIEWER, Role.PRODUCT_MANAGER, Role.PARTNERSHIP_LEAD)


def demo_people_sign_in(password: str) -> list[tuple[str, str, str]]:
    """Give one demo person of each role in :data:`TRY_ROLES` the demo's password.

    Returns (role label, username, display name) for each, so a newcomer can sign in
    as a viewer, a product manager and a lead at once, beside the "demo" admin.
    """
    people = []
    for role in TRY_ROLES:
        membership = (
            Membership.objects.filter(role=role, user__is_active=True, user__is_staff=False)
            .exclude(user__username=DEMO_USERNAME)
            .select_related("user", "team")
            .order_by("team__name", "user__username")
            .first()
        )
        if membership is None:
            continue
        user = membership.user
        user.set_password(password)
        user.save(update_fields=["password"])
        label = f"{Role(role).label} ({membership.team.name})"
        people.append((label, user.username, user.get_full_name() or user.username))
    return people


def demo_sign_in_create(*, teams: Sequence[Team]) -> str:
    """The "demo" superuser, a partnership lead in ``teams``; returns its new random password."""
    password = secrets.token_urlsafe(12)
    with transaction.atomic():
        demo = get_user_model().objects.create_superuser(
            username=DEMO_USERNAME,
            email="demo@example.com",
            password=password,
            first_name="Demo",
            last_name="Lead",
        )
        for team in teams:
            services.membership_set(team=team, user=demo, role=Role.PARTNERSHIP_LEAD)
    return password
