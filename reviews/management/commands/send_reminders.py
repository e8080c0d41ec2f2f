"""``manage.py send_reminders``: the periodic work of review cycles, safe from cron on every host.

In order: open the next cycle of each recurring series that is due; email each
rater the reminders their open reviews are owed today; queue the "review
overdue" and "behind plan" webhook events; send this week's owner and lead
digests; deliver the webhooks due (retries included).

Every step may run on several hosts at the same moment: a recurring cycle has
one next cycle (a one-to-one column), each message is recorded under a unique
constraint before it is sent (reviews.messages), each webhook event once per
webhook (a unique key) and each delivery is claimed by one conditional UPDATE
(reviews.webhooks).  A missed run catches up: a reminder is the one the day
calls for, a digest belongs to its week, not to a weekday.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reviews import messages, services, webhooks


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today takes a date as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Open recurring review cycles, email reminders and weekly digests, and deliver "
        "webhooks; each message once, however many hosts run it at the same time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help="Act as if it were this day (default: today in the site's time zone).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be sent; open, record, queue and send nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = _day(options["today"]) if options["today"] else timezone.localdate()
        dry_run = options["dry_run"]

        repeat = services.cycles_to_repeat(today)
        opened = 0
        if not dry_run:
            opened = sum(1 for cycle in repeat if services.cycle_repeat(cycle=cycle) is not None)

        reminders = messages.send(
            [messages.reminder_mail(r) for r in messages.reminders_due(today)], dry_run=dry_run
        )
        events = 0
        if not dry_run:
            events = messages.queue_overdue_events(today) + messages.queue_behind_plan_events(today)
        owners = messages.send(
            [messages.owner_digest_mail(d) for d in messages.owner_digests_due(today)],
            dry_run=dry_run,
        )
        leads = messages.send(
            [messages.lead_digest_mail(d) for d in messages.lead_digests_due(today)],
            dry_run=dry_run,
        )
        delivered = {"delivered": 0, "retried": 0, "failed": 0}
        if not dry_run:
            delivered = webhooks.deliver_due()

        would = "would send " if dry_run else ""
        failed = reminders.failed + owners.failed + leads.failed
        self.stdout.write(
            f"{today:%Y-%m-%d}: "
            f"{'would open' if dry_run else 'opened'} {len(repeat) if dry_run else opened} "
            f"recurring cycle(s); {would}{reminders.sent} reminder mail(s) "
            f"covering {reminders.lines} review(s), {owners.sent} owner digest(s), "
            f"{leads.sent} lead digest(s); {failed} mail(s) failed; "
            f"{events} webhook event(s) queued, {delivered['delivered']} delivered, "
            f"{delivered['retried']} to retry, {delivered['failed']} given up."
        )
        if failed:
            # After everything else has run: cron reports the failure, the next run retries.
            raise CommandError(
                f"{failed} mail(s) could not be sent (see the log); the next run retries them."
            )
