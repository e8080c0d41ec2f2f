"""``manage.py invite_user <email> [--team NAME --role ROLE]``: invite someone by email.

Makes the account if it is missing (with no usable password), adds the
membership when ``--team`` is given, emails a one-time link to set a password
(partners.accounts) and prints the link, so it can also be passed on by hand.
The link starts with the SITE_URL setting, as every link in mail does.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from partners import accounts
from partners.models import Role, Team


class Command(BaseCommand):
    help = (
        "Invite a person: make their account (without a usable password) if needed, "
        "optionally add them to a team, and email and print a one-time link to set a password."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The person's email address.")
        parser.add_argument("--team", help="Name of a team to add them to.")
        parser.add_argument(
            "--role",
            choices=Role.values,
            default=Role.VIEWER,
            help="Their role in --team (default: viewer).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        team = None
        if options["team"]:
            team = Team.objects.filter(name__iexact=options["team"].strip()).first()
            if team is None:
                names = ", ".join(Team.objects.values_list("name", flat=True)) or "none yet"
                raise CommandError(f"No team named {options['team']!r}. Teams: {names}.")
        elif options["role"] != Role.VIEWER:
            raise CommandError("--role needs --team: a role is held in a team.")
        try:
            invitation = accounts.user_invite(
                email=options["email"],
                team=team,
                role=options["role"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        user = invitation.user
        made = "Made the account" if invitation.created else "Found the account"
        self.stdout.write(f"{made} {user.get_username()} <{user.email}>.")
        if team is not None:
            self.stdout.write(f"Member of {team.name} as {Role(options['role']).label.lower()}.")
        self.stdout.write(f"Emailed a link to set a password. The link: {invitation.link}")
