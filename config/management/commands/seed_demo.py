"""``manage.py seed_demo``: a demo portfolio to explore, and a scale portfolio to measure.

The demo portfolio (:mod:`partners.demo.data`) is a handful of teams, people,
partners and integrations whose assessment histories tell small stories, and
the two worked examples of the rubric's source told in our own words; it is
written through the services (:mod:`partners.demo.builder`).  Its review cycles
(:mod:`reviews.demo`) follow: one closed, one due within days, one overdue, so
``send_reminders`` has reminders to send on a fresh database.  The command
lives here, in the project's top layer, because it writes both apps' data and
partners may not import reviews.
``--integrations N`` adds a generated portfolio of N integrations for
performance work, written with the batch services (:mod:`partners.demo.scale`).

Both are idempotent: objects are found by their natural keys and only missing
ones are created.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from partners.demo.builder import (
    DEMO_SEED,
    DEMO_USERNAME,
    DemoBuilder,
    demo_people_sign_in,
    demo_sign_in_create,
    demo_teams,
)
from partners.demo.scale import SCALE_SEED, build_scale
from partners.models import Assessment, Integration, Partner, Team
from partners.site import site_url
from reviews.demo import seed_review_cycles
from snapshots.demo import seed_review_snapshots

RESET_COMMAND = "DEBUG=true .venv/bin/python manage.py changepassword demo"


class Command(BaseCommand):
    help = (
        "Seed a demo portfolio (teams, people, partners, integrations with assessment "
        "histories, the rubric's worked examples and review cycles) through the services. "
        "Idempotent: only missing objects are created. On a database with no users yet, also "
        "creates a 'demo' superuser with a random password and prints it. With --integrations N, "
        "also (in addition to the demo) builds a scale portfolio of N generated "
        "integrations for performance work."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-login",
            action="store_true",
            help="Do not create the 'demo' sign-in, even on a database with no users.",
        )
        parser.add_argument(
            "--site-url",
            default=site_url(),
            help="Where the app is served, for the sign-in address printed with the demo "
            f"credentials (default: the SITE_URL setting, {site_url()}).",
        )
        parser.add_argument(
            "--integrations",
            type=int,
            default=0,
            metavar="N",
            help="Also make sure N generated integrations exist ('Scale integration "
            "000001'…, five per 'Scale Partner 00001'…), spread over the demo teams. "
            "Written in bulk (10,000 take seconds); rerunning with the same N adds nothing, "
            "a larger N adds the difference.",
        )
        parser.add_argument(
            "--assessments-per",
            type=int,
            default=10,
            metavar="K",
            help="Assessments over the past year for each new generated integration (default 10).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["integrations"]
        per: int = options["assessments_per"]
        if count < 0:
            raise CommandError("--integrations must be 0 or more.")
        if not 0 <= per <= 100:
            raise CommandError("--assessments-per must be between 0 and 100.")

        user_model = get_user_model()
        # Decided before seeding: the demo people created below are users too.
        had_users = user_model.objects.exists()
        now = timezone.now()

        with transaction.atomic():
            created = DemoBuilder(now=now, rng=random.Random(DEMO_SEED)).build()
        if created.anything:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data created: {created.teams} teams, {created.users} users, "
                    f"{created.partners} partners, {created.integrations} integrations, "
                    f"{created.assessments} assessments, {created.plans} plans, "
                    f"{created.hurdles} hurdles."
                )
            )
        else:
            self.stdout.write("Demo data already present: nothing to add.")
        with transaction.atomic():
            review_cycles = seed_review_cycles(now=now)
        if review_cycles.anything:
            described = "; ".join(f"{name} ({state})" for name, state in review_cycles.cycles)
            self.stdout.write(self.style.SUCCESS(f"Review cycles created: {described}."))
        with transaction.atomic():
            if seed_review_snapshots(now=now):
                self.stdout.write(self.style.SUCCESS("A past review with open actions created."))

        teams = demo_teams()
        if count:
            with transaction.atomic():
                scale = build_scale(
                    count=count,
                    assessments_per=per,
                    teams=teams,
                    now=now,
                    rng=random.Random(SCALE_SEED),
                )
            rate = scale.assessments / scale.seconds if scale.seconds else 0
            self.stdout.write(
                self.style.SUCCESS(
                    f"Scale portfolio ({count} integrations wanted): created "
                    f"{scale.partners} partners, {scale.integrations} integrations and "
                    f"{scale.assessments} assessments (and {scale.plans} plans) in "
                    f"{scale.seconds:.1f} s "
                    f"({rate:,.0f} assessments/s)."
                )
            )

        self._demo_login(
            had_users=had_users,
            skip=options["no_login"],
            teams=teams,
            login_url=options["site_url"].rstrip("/") + "/accounts/login/",
        )

        self.stdout.write(
            f"In the database: {Team.objects.count()} teams, {user_model.objects.count()} "
            f"users, {Partner.objects.count()} partners, {Integration.objects.count()} "
            f"integrations, {Assessment.objects.count()} assessments."
        )

    def _demo_login(
        self, *, had_users: bool, skip: bool, teams: Sequence[Team], login_url: str
    ) -> None:
        user_model = get_user_model()
        if skip:
            self.stdout.write("Demo sign-in skipped (--no-login).")
            return
        if had_users:
            if user_model.objects.filter(username=DEMO_USERNAME).exists():
                self.stdout.write(
                    f"The demo sign-in (username: {DEMO_USERNAME}) was created earlier. "
                    f"To set a new password: {RESET_COMMAND}"
                )
            else:
                self.stdout.write(
                    "Users already existed, so no demo sign-in was created. Sign in with your "
                    "own account, or make one: "
                    "DEBUG=true .venv/bin/python manage.py createsuperuser"
                )
            return
        password = demo_sign_in_create(teams=teams)
        self.stdout.write(
            self.style.SUCCESS(
                f"Sign in at {login_url} with username: {DEMO_USERNAME}  password: {password}"
            )
        )
        # The same password opens one demo person of each other role: try them side by side.
        self.stdout.write("Try each role with the same password:")
        self.stdout.write(f"  {'Admin (every team, and the Django admin)':<44} {DEMO_USERNAME}")
        for role, username, name in demo_people_sign_in(password):
            self.stdout.write(f"  {role:<44} {username:<16} {name}")
