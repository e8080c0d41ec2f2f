"""Export everything, empty the database, import the files: the same data comes back."""

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from exchange import importer
from exchange.exports import export_lines
from exchange.models import ImportKind
from partners import hurdle_services, plan_services, services
from partners.models import Assessment, CategoryPlan, Hurdle, Integration, Partner
from scorecard import rubric
from tests.factories import MembershipFactory, TeamFactory, UserFactory, steps

pytestmark = pytest.mark.django_db

AWKWARD = 'Quotes "like this", commas, a\nnew line, a\r\nWindows one, and ünïcødé ✓ 日本'


def _dataset(lead):
    """Partners, integrations and ratings with every kind of text a spreadsheet mangles."""
    north, sud = TeamFactory(name="North"), TeamFactory(name="Süd")
    ada = MembershipFactory(team=north, user=UserFactory(username="ada")).user
    bo = MembershipFactory(team=sud, user=UserFactory(username="bo.ek")).user
    # Rates North's integrations without owning them (a rater must be one who may rate).
    rater = MembershipFactory(team=north, user=UserFactory(username="Zoë")).user

    acme = services.partner_create(
        name='Acme, Inc. "the original"',
        website="https://acme.example.com/partners?x=1&y=2",
        description=AWKWARD,
        platform_openness="closed",
        relationship_status="active",
        contacts="Zoë Ek <zoe@acme.example.com>\n+44 20 7946 0000 (escalation)",
    )
    formula = services.partner_create(
        name="=cmd|' /C calc'!A0",
        description="-starts with a minus",
        contacts="@handle",
        platform_openness="middleware",
        relationship_status="ended",
    )
    unicode = services.partner_create(
        name="Ünïcødé 日本 ✓",
        website="https://xn--nicd-5qa.example.com",
        relationship_status="paused",
    )
    services.partner_create(name="'=already quoted", description="+1")
    services.partner_create(name="No integrations", description="  indented\n", contacts=" ")

    crm = services.integration_create(
        partner=acme,
        name="CRM sync, v2",
        description=AWKWARD,
        team=north,
        owner=ada,
        status="live",
        incentive_model="revenue_share",
        has_commitments=True,
        commitments="Fixes within 5 days\n= no exceptions",
        intent="Lasting \n",
        partner_gets=["data", "co_marketing"],
        we_get=["product_value"],
        built_by="us",
        hosted_by="partner",
        supported_by="third_party",
        support_terms="sla",
        api_notice_days=90,
    )
    services.integration_create(partner=acme, name="Unrated", team=sud, status="idea")
    plus = services.integration_create(
        partner=formula, name="+plus", team=sud, owner=bo, status="building"
    )
    donnees = services.integration_create(
        partner=unicode, name="Données", team=north, owner=ada, incentive_model="other"
    )

    start = datetime(2025, 1, 31, 23, 59, 59, 123456, tzinfo=UTC)
    paris = timezone(timedelta(hours=1))
    ratings = [
        (crm, ada, start, steps(1, 1, 1, 1, 1), {}, ""),
        (
            crm,
            rater,
            start + timedelta(days=30),
            steps(2, 2, 1, 1, 1),
            {"value_transfer": AWKWARD, "support": "=SUM(A1:A9)"},
            'Better, "much" better\nsee notes',
        ),
        (
            crm,
            lead,
            datetime(2025, 6, 1, 12, 0, tzinfo=paris),
            steps(3, 3, 2, 2, 1),
            {key: f"{key} evidence" for key in rubric.CATEGORY_KEYS},
            "-3 points of friction left",
        ),
        (plus, bo, start, steps(1, 2, 3, 1, 2), {"data_relationship": "@none"}, "@bo"),
        (donnees, ada, start + timedelta(microseconds=1), steps(3, 3, 3, 3, 3), {}, "Complete"),
        (donnees, rater, start - timedelta(days=400), steps(1, 1, 1, 1, 1), {}, "First look"),
    ]
    for integration, user, rated_at, step_values, notes, comment in ratings:
        services.assessment_create(
            integration=integration,
            rated_by=user,
            steps=step_values,
            notes=notes,
            comment=comment,
            rated_at=rated_at,
        )

    # Plans: targets ahead, one with no target; every field.  (A target met or behind is
    # not ahead, so the target rule refuses it as a new plan in another database; exported
    # and imported back into this one, it is unchanged: test_plans_hurdles_import.py.)
    plans = [
        (crm, "data_relationship", {"target_step": 3, "target_date": date(2099, 5, 1)}),
        (
            crm,
            "support",
            {
                "target_step": 3,
                "target_date": date(2099, 12, 31),
                "challenge": AWKWARD,
                "plan": "=call them",
                "owner": ada,
                "status": "blocked",
                "effort_weeks": Decimal("12.5"),
                "sourcing": "outsourced",
                "hourly_rate": Decimal("120.00"),
                "expected_value": "-fewer tickets\n",
            },
        ),
        (donnees, "data_relationship", {"challenge": "Schema drift", "plan": "Contract tests"}),
    ]
    for integration, category, fields in plans:
        plan_services.category_plan_save(
            integration=integration, category=category, updated_by=lead, **fields
        )
    hurdle_services.hurdle_create(
        integration=crm,
        updated_by=lead,
        kind="motivational",
        category="support",
        description='Support sees no gain, "yet"',
        severity="high",
        owner=bo,
        mitigation=AWKWARD,
    )
    hurdle_services.hurdle_create(
        integration=plus,
        updated_by=lead,
        kind="resource",
        category="value_transfer",
        description="+2 engineers needed",
        resolved=True,
    )


def _scorecard(assessment):
    return (assessment.rated_at, assessment.steps) if assessment else None


def _snapshot():
    """Every field the files carry (ids, slugs and timestamps are the database's own)."""
    partners = sorted(
        (p.name, p.website, p.description, p.platform_openness, p.relationship_status, p.contacts)
        for p in Partner.objects.all()
    )
    integrations = sorted(
        (
            i.partner.name,
            i.name,
            i.description,
            i.team.name,
            i.owner.username if i.owner else None,
            i.status,
            i.incentive_model,
            i.has_commitments,
            i.commitments,
            i.intent,
            tuple(i.partner_gets),
            tuple(i.we_get),
            i.built_by,
            i.hosted_by,
            i.supported_by,
            i.support_terms,
            i.api_notice_days,
            _scorecard(i.current_assessment),
            _scorecard(i.previous_assessment),
        )
        for i in Integration.objects.for_ranking()
    )
    assessments = sorted(
        (
            a.integration.partner.name,
            a.integration.name,
            a.rated_at,
            tuple(a.steps.items()),
            tuple(a.notes.items()),
            a.comment,
            a.rated_by.username,
            a.total,
        )
        for a in Assessment.objects.select_related("integration__partner", "rated_by")
    )
    plans = sorted(
        (
            p.integration.partner.name,
            p.integration.name,
            p.category,
            p.target_step,
            p.target_date,
            p.challenge,
            p.plan,
            p.owner.username if p.owner else None,
            p.status,
            p.effort_weeks,
            p.sourcing,
            p.hourly_rate,
            p.expected_value,
            p.version,
        )
        for p in CategoryPlan.objects.select_related("integration__partner", "owner")
    )
    hurdles = sorted(
        (
            h.integration.partner.name,
            h.integration.name,
            h.kind,
            h.category,
            h.description,
            h.severity,
            h.owner.username if h.owner else None,
            h.mitigation,
            h.resolved,
            h.version,
        )
        for h in Hurdle.objects.select_related("integration__partner", "owner")
    )
    return partners, integrations, assessments, plans, hurdles


def _without_ids(text):
    """A hurdles file with its ID cells emptied: new hurdles, for another database."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(rows[0])
    for row in rows[1:]:
        writer.writerow(["", *row[1:]])
    return out.getvalue()


def test_export_then_import_into_an_empty_database_gives_back_the_same_data(user):
    _dataset(user)
    before = _snapshot()
    files = {kind: "".join(export_lines(kind)) for kind in ImportKind}
    assert len(before[2]) == 6 and before[1][0][17] is not None  # the dataset is what we meant
    assert (len(before[3]), len(before[4])) == (3, 2)
    # A hurdle's ID is this database's: into another, the rows are new hurdles.
    files[ImportKind.HURDLES] = _without_ids(files[ImportKind.HURDLES])

    # "Empty" means no scorecard data: partners, integrations and their assessments go
    # (the cascade takes the assessments); teams and people stay, because the import
    # refers to them and never creates them (admins manage them).
    Integration.objects.all().delete()
    Partner.objects.all().delete()
    assert not Assessment.objects.exists()

    for kind in ImportKind:  # in the order the upload page gives
        result = importer.commit(kind, files[kind], user=user)
        assert result.committed, [(row.number, row.errors) for row in result.rows if row.errors]
        assert result.counts["create"] == len(result.rows)

    assert _snapshot() == before
    exported = {kind: "".join(export_lines(kind)) for kind in ImportKind}
    exported[ImportKind.HURDLES] = _without_ids(exported[ImportKind.HURDLES])
    assert exported == files
    # Each imported record has its history from the start, by the importing user.
    for model in (Partner, Integration, CategoryPlan, Hurdle):
        assert set(model.objects.values_list("version", flat=True)) == {1}
        imported = model.history.filter(id__in=model.objects.values("id"))
        history = imported.values_list("history_type", "history_user")
        assert sorted(history) == [("+", user.pk)] * model.objects.count()

    # And importing the same files again changes nothing (the hurdles as now exported).
    files[ImportKind.HURDLES] = "".join(export_lines(ImportKind.HURDLES))
    for kind in ImportKind:
        again = importer.commit(kind, files[kind], user=user)
        assert again.counts["unchanged"] == len(again.rows)
    assert _snapshot() == before
