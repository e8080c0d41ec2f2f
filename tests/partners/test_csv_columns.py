"""One CSV vocabulary: the dashboard's download and the exchange's integrations export agree."""

import csv
import datetime
import io

import pytest

from exchange.exports import export_lines
from exchange.models import ImportKind
from scorecard.rubric import CATEGORIES
from tests.factories import (
    CategoryPlanFactory,
    IntegrationFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
    rate,
)

pytestmark = pytest.mark.django_db

STEPS = [f"{category.name} step" for category in CATEGORIES]


def table(text: str) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_dashboard_download_and_the_integrations_export_name_shared_facts_alike(lead_client):
    team = TeamFactory(name="North")
    ada = MembershipFactory(team=team, user=UserFactory(first_name="Ada", last_name="L")).user
    rated = IntegrationFactory(name="Ledger", team=team, owner=ada, status="live")
    rate(rated, vt=3, br=2, su=2, dr=1, ap=1)
    fresh = IntegrationFactory(name="Fresh", team=team, owner=None)
    # Behind on support and data, met on value transfer; Fresh, unrated, is behind too.
    past = datetime.date(2025, 1, 1)
    for category, step in (("value_transfer", 3), ("support", 3), ("data_relationship", 2)):
        CategoryPlanFactory(
            integration=rated, category=category, target_step=step, target_date=past
        )
    CategoryPlanFactory(integration=fresh, category="support", target_step=2, target_date=past)

    response = lead_client.get("/export.csv", {"sort": "integration"})
    download = table(b"".join(response.streaming_content).decode())
    export = table("".join(export_lines(ImportKind.INTEGRATIONS)))

    # The same fact has the same name in both files, and only the dashboard's own facts differ.
    shared = [name for name in download[0] if name in export[0]]
    assert shared == [
        "Integration",
        "Partner",
        "Team",
        "Owner",
        "Status",
        *STEPS,
        "Score",
        "Band",
        "Next step",
        "Last assessed",
        "Behind plan",
    ]
    assert [name for name in download[0] if name not in shared] == [
        "Integration ID",
        "Owner name",
        "Needs attention",
    ]
    # …and the same cell: the owner by username in both, the scorecard written alike.
    by_name = {row["Integration"]: row for row in export}
    for row in download:
        assert {name: row[name] for name in shared} == {
            name: by_name[row["Integration"]][name] for name in shared
        }
    ledger = next(row for row in download if row["Integration"] == "Ledger")
    assert (ledger["Owner"], ledger["Owner name"]) == (ada.get_username(), "Ada L")
    assert [ledger[name] for name in STEPS] == ["3", "2", "2", "1", "1"]
    assert ledger["Behind plan"] == "Support; Data relationship"
    assert by_name["Fresh"]["Behind plan"] == "Support"
