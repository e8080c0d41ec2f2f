"""The CSV exports: columns, values, formula guard, streaming and query counts."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from exchange import formats
from exchange.exports import export_lines, export_response
from exchange.models import ImportKind
from partners import services
from partners.models import Integration, Partner
from tests.factories import (
    CategoryPlanFactory,
    HurdleFactory,
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
    rate,
    steps,
)

pytestmark = pytest.mark.django_db


def records(kind) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO("".join(export_lines(kind)), newline="")))
    assert rows[0] == formats.header(kind)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_partners_export_writes_labels_and_every_field():
    PartnerFactory(
        name="Zeta",
        website="https://zeta.example.com",
        description="Maps, routes\nand more",
        platform_openness=Partner.Openness.MIDDLEWARE,
        relationship_status=Partner.RelationshipStatus.PAUSED,
        contacts="Ana <ana@zeta.example.com>",
    )
    PartnerFactory(name="Alpha")

    alpha, zeta = records(ImportKind.PARTNERS)

    assert alpha["Name"] == "Alpha"
    assert zeta == {
        "Name": "Zeta",
        "Website": "https://zeta.example.com",
        "Description": "Maps, routes\nand more",
        "Platform openness": "Middleware",
        "Relationship status": "Paused",
        "Contacts": "Ana <ana@zeta.example.com>",
    }


def test_integrations_export_names_people_by_username_and_holds_the_scorecard():
    team = TeamFactory(name="North")
    owner = MembershipFactory(team=team, user=UserFactory(username="ada")).user
    rated = IntegrationFactory(
        partner=PartnerFactory(name="Acme"),
        name="Ledger",
        team=team,
        owner=owner,
        incentive_model=Integration.Incentive.REVENUE_SHARE,
        has_commitments=True,
    )
    rated_at = datetime(2025, 5, 4, 9, 30, 15, 123456, tzinfo=UTC)
    rate(rated, rated_at=rated_at, vt=3, br=2, su=1, dr=1, ap=1)
    IntegrationFactory(partner=PartnerFactory(name="Beta"), name="Fresh", team=team, owner=None)

    ledger, fresh = records(ImportKind.INTEGRATIONS)

    assert ledger["Owner"] == "ada"
    assert ledger["Team"] == "North"
    assert ledger["Status"] == "Live"
    assert ledger["Incentive model"] == "Revenue share"
    assert ledger["Commitments in place"] == "yes"
    assert [ledger[f"{name} step"] for name in ("Value transfer", "Business relationship")] == [
        "3",
        "2",
    ]
    assert (ledger["Score"], ledger["Band"]) == ("8", "Developing")
    assert ledger["Next step"] == "Business relationship: Handshake → Transaction"
    assert ledger["Last assessed"] == timezone.localtime(rated_at).isoformat()
    assert datetime.fromisoformat(ledger["Last assessed"]) == rated_at
    assert fresh["Owner"] == fresh["Score"] == fresh["Last assessed"] == ""
    assert fresh["Commitments in place"] == "no"


def test_assessments_export_is_the_whole_history_in_order():
    integration = IntegrationFactory(partner=PartnerFactory(name="Acme"), name="Ledger")
    rater = UserFactory(username="rater")
    second = datetime(2025, 2, 1, 8, 0, tzinfo=UTC)
    first = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)
    services.assessment_create(
        integration=integration,
        rated_by=rater,
        steps=steps(vt=2),
        notes={"value_transfer": "Export file, imported by hand."},
        comment="Getting there",
        rated_at=second,
    )
    rate(integration, user=rater, rated_at=first)

    older, newer = records(ImportKind.ASSESSMENTS)

    assert older["Rated at"] == timezone.localtime(first).isoformat()
    assert newer["Rated at"] == timezone.localtime(second).isoformat()
    assert newer["Value transfer step"] == "2"
    assert newer["Value transfer evidence"] == "Export file, imported by hand."
    assert newer["Support evidence"] == ""
    assert newer["Overall comment"] == "Getting there"
    assert (newer["Partner"], newer["Integration"], newer["Rated by"]) == (
        "Acme",
        "Ledger",
        "rater",
    )


@pytest.mark.parametrize("kind", list(ImportKind))
def test_exports_disarm_spreadsheet_formulas(kind):
    integration = IntegrationFactory(
        partner=PartnerFactory(name="=HYPERLINK(1)"), name="+1 for you", description="-"
    )
    services.assessment_create(
        integration=integration,
        rated_by=UserFactory(),
        steps=steps(),
        comment="@mention",
        rated_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    CategoryPlanFactory(integration=integration, challenge="-late", plan="+more people")
    HurdleFactory(integration=integration, description="=no budget", mitigation="@ask")

    text = "".join(export_lines(kind))

    cells = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    assert not any(cell[:1] in ("=", "+", "-", "@") for cell in cells)
    assert "'=HYPERLINK(1)" in cells


@pytest.mark.parametrize("kind", list(ImportKind))
def test_export_response_is_a_streamed_dated_download(kind):
    response = export_response(kind)

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="{kind.value}-{today}.csv"'
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0] == ",".join(formats.header(kind))


def _portfolio(size: int) -> None:
    team = TeamFactory()
    owner = MembershipFactory(team=team).user
    for _ in range(size):
        integration = IntegrationFactory(team=team, owner=owner)
        rate(integration, user=owner)
        rate(integration, user=owner, vt=2)
        for category in ("value_transfer", "support"):
            CategoryPlanFactory(integration=integration, category=category, owner=owner)
        HurdleFactory.create_batch(2, integration=integration, owner=owner)


# The integrations export reads their plans (the "Behind plan" column) in a second query
# and their newest partner views (the "Partner view" columns) in a third.
EXPORT_QUERIES = dict.fromkeys(ImportKind, 1) | {ImportKind.INTEGRATIONS: 3}


@pytest.mark.parametrize("kind", list(ImportKind))
@pytest.mark.parametrize("size", [1, 4])
def test_exports_take_one_query_however_many_rows(kind, size, django_assert_num_queries):
    _portfolio(size)

    with django_assert_num_queries(EXPORT_QUERIES[kind]):
        lines = list(export_lines(kind))

    per_record = 1 if kind in (ImportKind.PARTNERS, ImportKind.INTEGRATIONS) else 2
    assert len(lines) == 1 + size * per_record
