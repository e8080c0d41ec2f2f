"""The demo portfolio, as data: teams, people, partners and the stories of their integrations.

Read by :mod:`partners.demo.builder`, which writes them through the services.
Names here are natural keys: a team, a partner or a user is found by its name,
an integration by its name within its partner, so seeding again adds only what
is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from partners.models import (
    HurdleKind,
    Incentive,
    IntegrationStatus,
    Party,
    PlanStatus,
    PlatformOpenness,
    RelationshipStatus,
    Role,
    Severity,
    Sourcing,
    SupportTerms,
    ValueKind,
)

Steps = tuple[int, int, int, int, int]  # one step per category, in execution order

PLATFORM = "Platform Partnerships"
DATA = "Data & Analytics"
GROWTH = "Growth"
CX = "Customer Experience"

TEAMS: dict[str, str] = {
    PLATFORM: "Integrations at the core of the product (identity, documents, billing) and the "
    "two worked examples we use to teach the rubric.",
    DATA: "Integrations that move measurement and reporting data between our product and "
    "partners' platforms.",
    GROWTH: "Integrations that bring customers in: CRMs, messaging, marketplaces and the "
    "partners we market with.",
    CX: "Integrations our support and success teams live in every day.",
}

LEAD, PM, VIEWER = Role.PARTNERSHIP_LEAD, Role.PRODUCT_MANAGER, Role.VIEWER


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    roles: tuple[tuple[str, str], ...]  # (team name, role)


PEOPLE: tuple[Person, ...] = (
    Person("amara.okafor", "Amara", "Okafor", ((PLATFORM, LEAD),)),
    Person("daniel.reyes", "Daniel", "Reyes", ((PLATFORM, PM),)),
    Person("priya.natarajan", "Priya", "Natarajan", ((PLATFORM, PM), (DATA, VIEWER))),
    Person("tom.lindqvist", "Tom", "Lindqvist", ((PLATFORM, VIEWER),)),
    Person("sofia.marchetti", "Sofia", "Marchetti", ((DATA, LEAD), (GROWTH, VIEWER))),
    Person("kenji.watanabe", "Kenji", "Watanabe", ((DATA, PM),)),
    Person("leah.goldberg", "Leah", "Goldberg", ((DATA, PM),)),
    Person("marcus.bell", "Marcus", "Bell", ((DATA, VIEWER),)),
    Person("fatima.haddad", "Fatima", "Haddad", ((GROWTH, LEAD),)),
    Person("oliver.brennan", "Oliver", "Brennan", ((GROWTH, PM),)),
    Person("chloe.dubois", "Chloé", "Dubois", ((GROWTH, PM),)),
    Person("nia.thompson", "Nia", "Thompson", ((GROWTH, VIEWER),)),
    Person("mateo.alvarez", "Mateo", "Alvarez", ((CX, LEAD),)),
    Person("hannah.schmidt", "Hannah", "Schmidt", ((CX, PM),)),
    Person("ravi.menon", "Ravi", "Menon", ((CX, PM),)),
    Person("grace.kim", "Grace", "Kim", ((CX, VIEWER),)),
)

# Who rates: product managers and partnership leads (viewers only read).
RATER_ROLES = (PM, LEAD)

OPEN, CLOSED, MIDDLEWARE = (
    PlatformOpenness.OPEN,
    PlatformOpenness.CLOSED,
    PlatformOpenness.MIDDLEWARE,
)
ACTIVE, PAUSED, PROSPECT, ENDED = (
    RelationshipStatus.ACTIVE,
    RelationshipStatus.PAUSED,
    RelationshipStatus.PROSPECT,
    RelationshipStatus.ENDED,
)


@dataclass(frozen=True)
class PartnerSpec:
    name: str
    website: str
    openness: str
    status: str
    description: str
    contacts: str


VHS = "VHS Format Licensing"
BETAMAX = "Betamax"
MOAT = "MOAT"
KESTREL = "Kestrel Identity"
QUILLMARK = "Quillmark"
LEDGERLY = "Ledgerly"
TIDEWATER = "Tidewater Analytics"
HARBORLINE = "Harborline Data Cloud"
CORVID = "Corvid Messaging"
BRIGHTPATH = "Brightpath CRM"
LUMEN = "Lumen Helpdesk"
FERNHILL = "Fernhill Scheduling"

PARTNERS: tuple[PartnerSpec, ...] = (
    PartnerSpec(
        VHS,
        "https://vhs-licensing.example.com",
        OPEN,
        ACTIVE,
        "Worked example from the rubric's source. The owner of a home-video cassette format "
        "chose to license it to recorder makers everywhere rather than build every machine "
        "itself. Tapes and recorders spread together, and the format became the one most "
        "households could play, though rivals had the sharper picture. Our reference point "
        "for a high score.",
        "Worked example: no live contacts.\n"
        "In the story, the format owner's licensing office answered each maker, and makers "
        "reported units sold with every royalty payment.",
    ),
    PartnerSpec(
        BETAMAX,
        "https://betamax.example.com",
        CLOSED,
        ENDED,
        "Worked example, the counterpoint to VHS licensing. A capable cassette format that "
        "stayed inside its owner's own recorders: no outside maker built for it on workable "
        "terms, so it never reached most living rooms. Our reference point for a low score.",
        "Worked example: no live contacts.\n"
        "In the story, only the format owner's own service centres could help a customer.",
    ),
    PartnerSpec(
        MOAT,
        "https://moat.example.com",
        OPEN,
        ACTIVE,
        "Ad viewability measurement. Worked example from the rubric's source: Polar, a "
        "platform serving high-value content ads for publishers, teamed up with MOAT while both "
        "were young, so that every Polar ad unit came with viewability numbers advertisers "
        "trust.",
        "Our side: Kenji Watanabe (owner) for anything customer-facing; ad-ops on-call for "
        "broken tags.\n"
        "Their side: Elena Voss, solutions engineer, elena.voss@moat.example.com, "
        "+1 555 0117.\n"
        "Escalation: shared incident channel, then their VP of partnerships (Sam Ortiz).",
    ),
    PartnerSpec(
        KESTREL,
        "https://kestrel-identity.example.com",
        OPEN,
        ACTIVE,
        "Identity provider for mid-size companies: single sign-on, user provisioning and "
        "multi-factor policies, with a public API and a partner sandbox.",
        "Our side: Daniel Reyes (PM) first; platform on-call via #kestrel-integration.\n"
        "Their side: Jordan Pike, partner engineer, jordan.pike@kestrel-identity.example.com, "
        "+1 555 0142.\n"
        "Escalation: status.kestrel-identity.example.com, then Maya Cole, head of partnerships.",
    ),
    PartnerSpec(
        QUILLMARK,
        "https://www.quillmark.example.com",
        OPEN,
        ACTIVE,
        "Electronic signatures and document workflows; strong in legal and procurement teams.",
        "Our side: Daniel Reyes for the contracts flow, Ravi Menon for the archive.\n"
        "Their side: Ines Carvalho, partner manager, ines@quillmark.example.com; technical "
        "questions to partners-dev@quillmark.example.com (answered within one business day).\n"
        "Escalation: quarterly business review owners, Amara Okafor and their COO.",
    ),
    PartnerSpec(
        LEDGERLY,
        "https://ledgerly.example.com",
        OPEN,
        ACTIVE,
        "Cloud accounting for small businesses. Many of our customers keep their books there "
        "and ask for invoices to flow across without re-typing.",
        "Our side: no named owner since the invoice-sync PM moved teams; Amara Okafor covers.\n"
        "Their side: app marketplace team, marketplace@ledgerly.example.com (no direct line).\n"
        "Escalation: their developer forum, then Amara's contact Ben Adeyemi in partnerships.",
    ),
    PartnerSpec(
        TIDEWATER,
        "https://tidewater-analytics.example.com",
        OPEN,
        ACTIVE,
        "Product analytics: event pipelines, funnels and embeddable dashboards.",
        "Our side: Leah Goldberg (event export), Kenji Watanabe (embedded dashboards).\n"
        "Their side: Noor Rahman, integrations lead, noor.rahman@tidewater-analytics.example.com.\n"
        "Escalation: their enterprise support line, +1 555 0163, 24/7.",
    ),
    PartnerSpec(
        HARBORLINE,
        "https://harborline.example.com",
        MIDDLEWARE,
        ACTIVE,
        "Managed data warehouse with a connector marketplace; connectors run on Harborline's "
        "own integration service between the two products.",
        "Our side: Leah Goldberg (connector), Sofia Marchetti (data share).\n"
        "Their side: Pieter de Vries, connector program manager, "
        "pieter@harborline.example.com, +31 20 555 0190.\n"
        "Escalation: shared on-call rota for the connector; contract owner Sofia Marchetti.",
    ),
    PartnerSpec(
        CORVID,
        "https://corvid-messaging.example.com",
        CLOSED,
        PAUSED,
        "SMS and email delivery. Closed platform: only Corvid's engineers can build on their "
        "side, and their partner team was cut back this year.",
        "Our side: Oliver Brennan (SMS notifications); email campaigns currently unowned.\n"
        "Their side: general support, support@corvid-messaging.example.com; our former "
        "partner manager there left in the spring.\n"
        "Escalation: account executive Dana Whitfield, +44 20 7946 0321.",
    ),
    PartnerSpec(
        BRIGHTPATH,
        "https://brightpath-crm.example.com",
        CLOSED,
        ACTIVE,
        "CRM for sales teams at growing companies; integrations are built by Brightpath's own "
        "partner engineering team.",
        "Our side: Chloé Dubois (lead sync), Fatima Haddad (marketplace listing).\n"
        "Their side: Luis Romero, alliances manager, luis.romero@brightpath-crm.example.com.\n"
        "Escalation: joint steering call every other Thursday.",
    ),
    PartnerSpec(
        LUMEN,
        "https://lumen-helpdesk.example.com",
        OPEN,
        ACTIVE,
        "Help desk and ticketing with an app framework for sidebar apps and webhooks.",
        "Our side: Hannah Schmidt (sidebar app), Ravi Menon (health sync); support on-call "
        "for outages.\n"
        "Their side: developer relations, devrel@lumen-helpdesk.example.com; named engineer "
        "Aiko Tanaka for app review.\n"
        "Escalation: Lumen partner portal ticket marked P1 (one-hour response).",
    ),
    PartnerSpec(
        FERNHILL,
        "https://fernhill.example.com",
        MIDDLEWARE,
        PROSPECT,
        "Scheduling and calendar booking; embeds through a hosted widget that sits between "
        "the two products.",
        "Our side: Oliver Brennan (demo booking), Mateo Alvarez (support calls).\n"
        "Their side: sales contact Grace Achterberg, grace.a@fernhill.example.com.\n"
        "Escalation: none agreed yet.",
    ),
)


@dataclass(frozen=True)
class Rating:
    """One hand-written assessment in a worked example's history."""

    days_ago: int
    steps: Steps
    comment: str
    notes: tuple[str, str, str, str, str]


@dataclass(frozen=True)
class Estimate:
    """The effort for a category's next step: person-weeks, and who does the work at what rate."""

    weeks: str  # a Decimal, as text
    sourcing: str = Sourcing.IN_HOUSE
    hourly_rate: str | None = None


@dataclass(frozen=True)
class Plan:
    """One category's plan.

    A target ``(step, days)`` is reached by ``days`` from today (negative: in
    the past); it was set ``set_days_ago``, between the ratings of that time,
    so the rule that a new target lies ahead held when it was set.  A past
    target whose step was reached since is met; one still short is behind plan.
    """

    category: str
    status: str
    challenge: str = ""  # empty: taken from PLAN_TEXT for the category
    plan: str = ""
    target: tuple[int, int] | None = None
    set_days_ago: int = 0
    owner: str | None = ""  # a username; "": the integration's owner; None: nobody yet
    effort: Estimate | None = None
    expected_value: str = ""


@dataclass(frozen=True)
class HurdleSpec:
    """An internal hurdle: something in our own company that holds the integration back."""

    kind: str
    category: str
    severity: str
    description: str
    mitigation: str = ""
    owner: str | None = ""  # as Plan.owner
    resolved: bool = False


@dataclass(frozen=True)
class Exchange:
    """What each side gets, who does the work, and what was promised."""

    partner_gets: tuple[str, ...] = ()
    we_get: tuple[str, ...] = ()
    built_by: str = ""
    hosted_by: str = ""
    supported_by: str = ""
    support_terms: str = ""
    api_notice_days: int | None = None


@dataclass(frozen=True)
class PartnerViewSpec:
    """The partner's own rating, given by one of their people through a partner link."""

    contact_name: str
    contact_email: str
    steps: Steps
    notes: tuple[str, str, str, str, str] = ("", "", "", "", "")


@dataclass(frozen=True)
class Story:
    """One demo integration and how its assessments unfold."""

    partner: str
    name: str
    team: str
    owner: str | None
    status: str
    incentive: str
    description: str
    intent: str
    commitments: str = ""  # empty: no commitments or SLA in place
    # A generated history: ``ratings`` assessments growing from ``start`` to
    # ``final`` between ``first_days_ago`` and ``last_days_ago``; ``then`` adds one
    # more, lower assessment at the end (a score that dropped).
    final: Steps | None = None
    start: Steps | None = None
    ratings: int = 0
    first_days_ago: int = 330
    last_days_ago: int = 20
    then: Steps | None = None
    then_comment: str = ""
    history: tuple[Rating, ...] = ()  # a hand-written history instead
    plans: tuple[Plan, ...] = ()
    exchange: Exchange = Exchange()  # nothing recorded
    hurdles: tuple[HurdleSpec, ...] = ()
    partner_views: tuple[PartnerViewSpec, ...] = ()  # answered through partner links


LIVE, BUILDING, IDEA, RETIRED = (
    IntegrationStatus.LIVE,
    IntegrationStatus.BUILDING,
    IntegrationStatus.IDEA,
    IntegrationStatus.RETIRED,
)
NO_INCENTIVE, DIRECT, REV_SHARE, OTHER = (
    Incentive.NONE,
    Incentive.DIRECT_COMPENSATION,
    Incentive.REVENUE_SHARE,
    Incentive.OTHER,
)
OPEN_PLAN, IN_PROGRESS, RESOLVED, BLOCKED = (
    PlanStatus.NOT_STARTED,
    PlanStatus.IN_PROGRESS,
    PlanStatus.DONE,
    PlanStatus.BLOCKED,
)
OUTSOURCED = Sourcing.OUTSOURCED
US, PARTNER = Party.US, Party.PARTNER
SLA, BEST_EFFORTS = SupportTerms.SLA, SupportTerms.BEST_EFFORTS
REVENUE, FEES, MARKETING, CUSTOMERS, USAGE_DATA, ENGINEERING, SUPPORT, BETTER_PRODUCT = (
    ValueKind.REVENUE_SHARE,
    ValueKind.DIRECT_COMPENSATION,
    ValueKind.CO_MARKETING,
    ValueKind.CUSTOMERS,
    ValueKind.DATA,
    ValueKind.ENGINEERING,
    ValueKind.SUPPORT,
    ValueKind.PRODUCT_VALUE,
)
COGNITIVE, MOTIVATIONAL, RESOURCE = (
    HurdleKind.COGNITIVE,
    HurdleKind.MOTIVATIONAL,
    HurdleKind.RESOURCE,
)
LOW, MEDIUM, HIGH = Severity.LOW, Severity.MEDIUM, Severity.HIGH

WORKED_EXAMPLES: tuple[Story, ...] = (
    Story(
        VHS,
        "Recorder maker licensing",
        PLATFORM,
        "amara.okafor",
        LIVE,
        REV_SHARE,
        "Worked example. The format owner licenses its cassette format to any recorder maker "
        "that builds to the published specification and pays a royalty per machine.",
        "Make the format the one every household can play, for as long as people record at home.",
        commitments="Licence terms: makers build to the frozen format specification and "
        "report units sold with each quarterly royalty payment.",
        history=(
            Rating(
                330,
                (2, 2, 1, 1, 1),
                "First licences signed with a few recorder makers. Their machines play the "
                "format, but each maker still tunes its mechanism to the reference by hand.",
                (
                    "Tapes move between licensed machines once each maker has matched the "
                    "reference settings itself.",
                    "Met the first makers in person; royalty terms agreed in principle.",
                    "Makers test against reference tapes supplied by the format owner.",
                    "No shared figures yet; each side counts its own sales.",
                    "Word spreads through the trade; no joint marketing.",
                ),
            ),
            Rating(
                240,
                (3, 3, 1, 1, 2),
                "Specification frozen and royalties flowing per unit: any licensed tape now "
                "plays in any licensed recorder, with nothing for the buyer to adjust.",
                (
                    "A tape from any licensed maker plays in any licensed machine.",
                    "Signed licences with royalties per recorder sold.",
                    "Reference tapes and a test bench at the licensing office.",
                    "Each side still counts its own sales.",
                    "Makers and the format owner advertise the format together in shop displays.",
                ),
            ),
            Rating(
                150,
                (3, 3, 2, 2, 2),
                "More makers on board. A licensee handbook answers most build questions, and "
                "royalty statements tell both sides how many machines were sold.",
                (
                    "Unchanged: interchangeable tapes across all licensed machines.",
                    "Licences renewed and extended to new regions.",
                    "Licensee handbook and published service notes.",
                    "Makers report units sold with every royalty payment.",
                    "Joint shop displays and press advertising.",
                ),
            ),
            Rating(
                30,
                (3, 3, 2, 2, 3),
                "The format's logo is on the front of every licensed recorder, so the "
                "product itself sells the format. Licensing, not picture quality, is what "
                "put it in most homes.",
                (
                    "Unchanged: interchangeable tapes across all licensed machines.",
                    "Long-term licences with dozens of makers worldwide.",
                    "Handbook and service notes; no live channel between makers and owner.",
                    "Royalty reports from every maker, reconciled each quarter.",
                    "Every recorder carries the format logo: adoption is built into the product.",
                ),
            ),
        ),
        plans=(
            Plan(
                "support",
                IN_PROGRESS,
                "A badly built recorder from one licensee gives the whole format a bad name.",
                "Certify each new model against reference tapes before it may carry the logo; "
                "licensing office owns the test bench.",
                target=(3, 100),
                set_days_ago=20,
                effort=Estimate("6"),
                expected_value="Faults are caught before a machine reaches the shops, so buyers "
                "trust any recorder with the logo.",
            ),
            Plan(
                "data_relationship",
                BLOCKED,
                "Makers report units only with their quarterly royalty, so shortfalls show up a "
                "quarter late.",
                "A monthly unit report from every licensee; the licensing office chases any maker "
                "that misses one.",
                target=(3, -60),
                set_days_ago=145,
                owner="daniel.reyes",
                effort=Estimate("10", OUTSOURCED, "95"),
                expected_value="Royalty shortfalls are seen within a month, not a quarter.",
            ),
            Plan(
                "adoption_priority",
                RESOLVED,
                "Shops put the rival format in the window because it has the sharper picture.",
                "Put the format's logo on the front of every licensed recorder and fund shop "
                "displays with the makers.",
                target=(3, -20),
                set_days_ago=235,
                effort=Estimate("4"),
                expected_value="The recorder sells the format by itself: a buyer sees the logo "
                "and knows every rental tape will play.",
            ),
        ),
        exchange=Exchange(
            partner_gets=(REVENUE, CUSTOMERS),
            we_get=(BETTER_PRODUCT, MARKETING),
            built_by=US,
            hosted_by=US,
            supported_by=US,
            support_terms=SLA,
            api_notice_days=365,
        ),
        # Close to ours: one step lower on the business relationship, no attention needed.
        partner_views=(
            PartnerViewSpec(
                "Kenji Watanabe",
                "kenji.watanabe@vhs-licensing.example",
                (3, 2, 2, 2, 3),
            ),
        ),
        hurdles=(
            HurdleSpec(
                COGNITIVE,
                "business_relationship",
                MEDIUM,
                "The format's own engineers wanted to build every recorder themselves: "
                "licensing felt like handing the invention to competitors.",
                "Showed licensed and own-brand sales side by side each quarter until the "
                "numbers settled the argument.",
                resolved=True,
            ),
            HurdleSpec(
                RESOURCE,
                "support",
                HIGH,
                "Three people in the licensing office answer every maker's build questions, and "
                "new makers keep arriving.",
                "A licensee handbook and a certification bench now; two application engineers "
                "in next year's budget.",
            ),
            HurdleSpec(
                MOTIVATIONAL,
                "adoption_priority",
                MEDIUM,
                "Our sales team earns nothing when a licensed maker sells a recorder, so they "
                "do not push the format to retailers.",
                "Licensed units now count towards the sales team's targets.",
                owner="daniel.reyes",
            ),
        ),
    ),
    Story(
        BETAMAX,
        "Single-maker recorders",
        PLATFORM,
        "priya.natarajan",
        RETIRED,
        NO_INCENTIVE,
        "Worked example, the closed approach. The format's owner builds the recorders "
        "itself and offers other makers no workable licence.",
        "Win on picture quality alone, inside one company's product line.",
        history=(
            Rating(
                300,
                (2, 1, 1, 1, 1),
                "A capable format, but only its owner makes machines for it and no outside "
                "maker is invited in.",
                (
                    "Tapes play only in the owner's own recorders.",
                    "No partners: other makers see only the finished product.",
                    "Only the owner's service centres test and repair machines.",
                    "No figures shared with anyone outside the company.",
                    "Marketed by the owner alone.",
                ),
            ),
            Rating(
                25,
                (2, 1, 1, 1, 1),
                "No change. Without partners the format stays in one product line while the "
                "licensed rival fills the shops. Kept as our low reference point.",
                (
                    "Unchanged: one maker's machines only.",
                    "Still no licensing partners.",
                    "Unchanged.",
                    "Unchanged.",
                    "Unchanged: the owner's own advertising only.",
                ),
            ),
        ),
        exchange=Exchange(
            we_get=(BETTER_PRODUCT,),
            built_by=PARTNER,
            hosted_by=PARTNER,
            supported_by=PARTNER,
        ),
        hurdles=(
            HurdleSpec(
                COGNITIVE,
                "business_relationship",
                HIGH,
                "The format's owner is sure the better picture will win on its own, so letting "
                "other makers in is never discussed.",
                "None taken: this is the counter-example we teach with.",
            ),
            HurdleSpec(
                RESOURCE,
                "adoption_priority",
                HIGH,
                "One company's factories cannot make recorders fast or cheaply enough to reach "
                "most households.",
            ),
        ),
    ),
    Story(
        MOAT,
        "Polar × MOAT viewability",
        DATA,
        "kenji.watanabe",
        LIVE,
        DIRECT,
        "Worked example. Polar serves native content ads for publishers; MOAT measures "
        "whether an ad was actually seen. Together, every Polar ad unit reports viewability.",
        "A lasting part of the product: viewability on every ad unit, for as long as "
        "advertisers buy on it. Partnered early, while both companies were small.",
        commitments="Paid measurement agreement. MOAT announces tag changes 30 days ahead; "
        "discrepancy reports answered within two business days.",
        history=(
            Rating(
                350,
                (2, 2, 1, 1, 1),
                "Agreed to work together while both products were young; their founders and "
                "engineers are easy to reach. Ad ops add the measurement tag per campaign.",
                (
                    "Ad ops paste the MOAT tag into each campaign's settings.",
                    "Founders met; named engineer on each side.",
                    "Shared sandbox campaigns for QA.",
                    "Viewability numbers live only in MOAT's dashboard.",
                    "We mention MOAT to advertisers who ask about viewability.",
                ),
            ),
            Rating(
                270,
                (3, 2, 1, 2, 1),
                "The tag now ships inside every Polar ad unit automatically. MOAT emails a "
                "weekly viewability report per publisher.",
                (
                    "Every ad unit carries the tag; nothing to set up per campaign.",
                    "Weekly engineering call; letter of intent signed.",
                    "Sandbox campaigns still our only test bed.",
                    "MOAT reports viewability into a weekly file for both teams.",
                    "Still word of mouth.",
                ),
            ),
            Rating(
                180,
                (3, 3, 2, 2, 2),
                "Signed a paid measurement agreement. Help articles for ad ops and a joint "
                "one-pager for advertisers.",
                (
                    "Unchanged: automatic on every unit.",
                    "Paid agreement for measurement at volume pricing.",
                    "Help-centre articles for ad ops on reading viewability.",
                    "Weekly report, now per campaign.",
                    "Joint advertiser one-pager and a conference talk together.",
                ),
            ),
            Rating(
                95,
                (3, 3, 2, 3, 2),
                "Server-to-server feed: viewability lands in Polar's own reporting next to "
                "clicks and engagement.",
                (
                    "Unchanged.",
                    "Agreement renewed with a measurement SLA.",
                    "Help articles kept up to date with each tag release.",
                    "Polar pulls viewability per impression from MOAT's API every hour.",
                    "Co-marketing continues.",
                ),
            ),
            Rating(
                12,
                (3, 3, 2, 3, 3),
                "Viewability now appears beside every ad unit Polar serves, switched on by "
                "default. Publishers can prove to advertisers how much of each ad was seen, "
                "which is what both products are ultimately sold on.",
                (
                    "Unchanged.",
                    "Paid agreement in its second year.",
                    "Articles only; no alerting when measurement gaps appear.",
                    "Hourly API pull, reconciled nightly.",
                    "Viewability columns are on by default in every customer's reports.",
                ),
            ),
        ),
        plans=(
            Plan(
                "support",
                IN_PROGRESS,
                "A tag change on MOAT's side could silently stop measurement on every unit.",
                "Alert when the share of measured impressions falls below 95% in an hour; "
                "shared incident channel with MOAT's engineers. Kenji owns it.",
                target=(3, 45),
                set_days_ago=10,
                effort=Estimate("3"),
                expected_value="A measurement gap is found within the hour, before an "
                "advertiser finds it in a report.",
            ),
            Plan(
                "data_relationship",
                RESOLVED,
                "A weekly file is too slow for advertisers who optimise campaigns daily.",
                "Pull viewability per impression from MOAT's API every hour and reconcile nightly.",
                target=(3, -90),
                set_days_ago=265,
                effort=Estimate("8", OUTSOURCED, "110"),
                expected_value="Viewability sits next to clicks in our own reports.",
            ),
            Plan(
                "adoption_priority",
                RESOLVED,
                "Publishers forget to switch viewability on, so advertisers never see it.",
                "Turn the viewability columns on by default in every customer's reports.",
                target=(3, -10),
                set_days_ago=175,
                effort=Estimate("1.5"),
                expected_value="Every publisher can show advertisers what share of an ad was "
                "seen, which is what both products are sold on.",
            ),
        ),
        exchange=Exchange(
            partner_gets=(FEES, CUSTOMERS, USAGE_DATA),
            we_get=(BETTER_PRODUCT, MARKETING, USAGE_DATA),
            built_by=US,
            hosted_by=PARTNER,
            supported_by=US,
            support_terms=SLA,
            api_notice_days=30,
        ),
        hurdles=(
            HurdleSpec(
                COGNITIVE,
                "value_transfer",
                LOW,
                "Some of our engineers wanted to build viewability measurement ourselves rather "
                "than depend on a young partner.",
                "Priced a year of our own work against MOAT's fee; the partnership won and "
                "shipped in weeks.",
                resolved=True,
            ),
            HurdleSpec(
                MOTIVATIONAL,
                "support",
                MEDIUM,
                "Our support team did not build the integration and forwards every viewability "
                "question to MOAT, who then wait on us.",
                "A joint runbook; our support answers first; open tickets reviewed with MOAT "
                "each month.",
                owner="leah.goldberg",
            ),
            HurdleSpec(
                RESOURCE,
                "data_relationship",
                HIGH,
                "The hourly viewability feed competes with the ad-server roadmap for the same "
                "two data engineers.",
                "Weighed against the ad-server work at each quarterly planning; the feed got "
                "its engineers for one quarter.",
                resolved=True,
            ),
        ),
    ),
)

STORIES: tuple[Story, ...] = (
    *WORKED_EXAMPLES,
    # Platform Partnerships
    Story(
        KESTREL,
        "Single sign-on (SAML and OIDC)",
        PLATFORM,
        "daniel.reyes",
        LIVE,
        NO_INCENTIVE,
        "Customers sign in to our product with their Kestrel accounts; admins enforce their "
        "own multi-factor policies.",
        "Table stakes for enterprise deals; permanent.",
        commitments="Kestrel partner programme terms: 60 days' notice of breaking API changes.",
        start=(2, 1, 1, 1, 1),
        final=(3, 2, 3, 2, 3),
        ratings=5,
        first_days_ago=350,
        last_days_ago=18,
        plans=(
            Plan(
                "business_relationship",
                BLOCKED,
                "Kestrel will sign a co-selling agreement only if we join its paid partner tier.",
                "Bring the number of shared enterprise customers to the renewal call and ask for "
                "the fee to be waived for a year.",
                target=(3, -20),
                set_days_ago=88,
                owner="amara.okafor",
                expected_value="Kestrel's sales team introduces us to its enterprise accounts.",
            ),
            Plan(
                "data_relationship",
                OPEN_PLAN,
                target=(3, 75),
                effort=Estimate("4", OUTSOURCED, "120"),
                expected_value="Sign-in failures seen on both sides before customers call.",
            ),
        ),
        exchange=Exchange(
            partner_gets=(CUSTOMERS, BETTER_PRODUCT),
            we_get=(BETTER_PRODUCT,),
            built_by=US,
            hosted_by=PARTNER,
            supported_by=US,
            support_terms=SLA,
            api_notice_days=60,
        ),
    ),
    Story(
        KESTREL,
        "SCIM user provisioning",
        PLATFORM,
        "priya.natarajan",
        BUILDING,
        NO_INCENTIVE,
        "Create, update and deactivate our users automatically when they change in Kestrel.",
        "Requested by our five largest customers; planned as a permanent feature.",
        start=(1, 1, 1, 1, 1),
        final=(2, 2, 1, 1, 1),
        ratings=3,
        first_days_ago=160,
        last_days_ago=9,
        plans=(
            Plan(
                "value_transfer",
                IN_PROGRESS,
                target=(3, 60),
                effort=Estimate("5"),
                expected_value="Admins stop deactivating leavers by hand in two places.",
            ),
            Plan("support", OPEN_PLAN, target=(2, 90), effort=Estimate("2")),
        ),
        exchange=Exchange(partner_gets=(CUSTOMERS,), we_get=(BETTER_PRODUCT,), built_by=US),
    ),
    Story(
        QUILLMARK,
        "E-signature for contracts",
        PLATFORM,
        "daniel.reyes",
        LIVE,
        REV_SHARE,
        "Send a contract from our product, sign it in Quillmark, and see its status back in "
        "the deal.",
        "Lasting product line; revenue share reviewed every year.",
        commitments="Revenue share agreement; 99.9% uptime for the signing API and "
        "two-business-day response on integration bugs.",
        start=(1, 2, 1, 1, 1),
        final=(3, 3, 2, 2, 2),
        ratings=6,
        first_days_ago=360,
        last_days_ago=7,
        # We see signing as automatic; Quillmark's customers still re-upload the signed
        # PDF by hand: two steps apart, so the dashboard lists it as "seen differently".
        partner_views=(
            PartnerViewSpec(
                "Noor Haddad",
                "noor.haddad@quillmark.example",
                (1, 3, 2, 2, 2),
                (
                    "Our support desk sees customers download the signed PDF and upload it "
                    "to the deal by hand: the status callback is not switched on for most.",
                    "The revenue share is signed and reviewed every year.",
                    "",
                    "",
                    "",
                ),
            ),
        ),
        plans=(
            Plan(
                "data_relationship",
                OPEN_PLAN,
                target=(3, 120),
                effort=Estimate("6", OUTSOURCED, "90"),
                expected_value="Both sides see which customers sign most, for the revenue share "
                "review.",
            ),
            Plan(
                "support",
                IN_PROGRESS,
                target=(3, -14),
                set_days_ago=75,
                effort=Estimate("3"),
                expected_value="A failed signature callback pages us instead of waiting for a "
                "customer to notice.",
            ),
        ),
        exchange=Exchange(
            partner_gets=(CUSTOMERS,),
            we_get=(REVENUE, BETTER_PRODUCT),
            built_by=US,
            hosted_by=PARTNER,
            supported_by=US,
            support_terms=SLA,
            api_notice_days=90,
        ),
    ),
    Story(
        LEDGERLY,
        "Invoice sync",
        PLATFORM,
        None,  # its product manager moved teams: the "no owner" warning
        LIVE,
        DIRECT,
        "Invoices created in our product appear in Ledgerly for the customer's bookkeeper.",
        "Built for a large reseller; meant to last, but nobody owns it today.",
        commitments="Ledgerly pays a fixed fee per connected customer; no SLA.",
        start=(1, 1, 1, 1, 1),
        final=(2, 2, 2, 1, 1),
        ratings=4,
        first_days_ago=320,
        last_days_ago=40,
        plans=(
            Plan(
                "support",
                OPEN_PLAN,
                target=(3, -30),
                set_days_ago=135,
                owner=None,
                expected_value="Failed syncs reach someone before the customer's bookkeeper does.",
            ),
        ),
        exchange=Exchange(
            partner_gets=(CUSTOMERS, USAGE_DATA),
            we_get=(FEES,),
            built_by=US,
            hosted_by=US,
            support_terms=BEST_EFFORTS,
        ),
    ),
    # Data & Analytics
    Story(
        LEDGERLY,
        "Revenue reporting feed",
        DATA,
        "kenji.watanabe",
        IDEA,
        OTHER,
        "Pull paid-invoice totals from Ledgerly into our revenue dashboards.",
        "Exploring; a one-quarter pilot if the first customers want it.",
        # Never assessed: the "not assessed yet" warning.
    ),
    Story(
        TIDEWATER,
        "Event export",
        DATA,
        "leah.goldberg",
        LIVE,
        NO_INCENTIVE,
        "Stream our product events into Tidewater so customers can build funnels there.",
        "Permanent; Tidewater's open API makes it cheap to keep.",
        start=(2, 1, 1, 1, 1),
        final=(3, 1, 2, 2, 1),
        ratings=4,
        first_days_ago=300,
        last_days_ago=22,
        plans=(
            Plan(
                "business_relationship",
                OPEN_PLAN,
                target=(2, 30),
                expected_value="A named engineer at Tidewater when the event schema changes.",
            ),
        ),
        exchange=Exchange(
            partner_gets=(USAGE_DATA, CUSTOMERS),
            we_get=(BETTER_PRODUCT,),
            built_by=US,
            hosted_by=US,
            supported_by=US,
        ),
    ),
    Story(
        TIDEWATER,
        "Embedded dashboards",
        DATA,
        "kenji.watanabe",
        BUILDING,
        OTHER,
        "Show Tidewater charts inside our reporting pages.",
        "Six-month pilot with three design partners, then decide.",
        start=(1, 1, 1, 1, 1),
        final=(2, 2, 1, 2, 1),
        ratings=3,
        first_days_ago=200,
        last_days_ago=30,
        plans=(
            Plan(
                "support",
                IN_PROGRESS,
                target=(2, 100),
                effort=Estimate("3", OUTSOURCED, "85"),
                expected_value="Design partners can fix a broken chart themselves from the help "
                "centre.",
            ),
        ),
        exchange=Exchange(
            partner_gets=(CUSTOMERS, MARKETING),
            we_get=(BETTER_PRODUCT, ENGINEERING),
            built_by=PARTNER,
            hosted_by=PARTNER,
            supported_by=PARTNER,
            support_terms=BEST_EFFORTS,
            api_notice_days=30,
        ),
    ),
    Story(
        HARBORLINE,
        "Warehouse connector",
        DATA,
        "leah.goldberg",
        LIVE,
        REV_SHARE,
        "Certified connector that loads our customers' data into their Harborline warehouse "
        "every hour.",
        "Lasting product line; our most requested data integration.",
        commitments="Revenue share on connector subscriptions; shared on-call rota and "
        "four-hour response for P1 incidents.",
        start=(2, 2, 1, 1, 1),
        final=(3, 3, 3, 3, 2),
        ratings=6,
        first_days_ago=355,
        last_days_ago=5,
        plans=(
            Plan(
                "data_relationship",
                RESOLVED,
                target=(3, 10),
                set_days_ago=140,
                effort=Estimate("5"),
                expected_value="Connector usage in both products' reports, for the revenue share.",
            ),
            Plan(
                "adoption_priority",
                IN_PROGRESS,
                target=(3, 30),
                set_days_ago=70,
                effort=Estimate("2.5"),
                expected_value="Customers switch the connector on during onboarding.",
            ),
        ),
        exchange=Exchange(
            partner_gets=(REVENUE, CUSTOMERS),
            we_get=(REVENUE, USAGE_DATA),
            built_by=US,
            hosted_by=PARTNER,
            supported_by=US,
            support_terms=SLA,
            api_notice_days=60,
        ),
    ),
    Story(
        HARBORLINE,
        "Usage data share",
        DATA,
        "sofia.marchetti",
        LIVE,
        NO_INCENTIVE,
        "Harborline shares connector usage back to us so account teams see who uses it.",
        "Agreed for one year, renewable.",
        start=(1, 2, 1, 1, 1),
        final=(2, 2, 2, 2, 1),
        ratings=3,
        first_days_ago=340,
        last_days_ago=130,  # the "not assessed for 90 days" warning
        plans=(
            Plan(
                "data_relationship",
                RESOLVED,
                target=(2, -120),
                set_days_ago=225,
                effort=Estimate("1"),
                expected_value="Account teams see which customers use the connector.",
            ),
        ),
        exchange=Exchange(
            we_get=(USAGE_DATA,),
            built_by=PARTNER,
            hosted_by=PARTNER,
            supported_by=PARTNER,
        ),
    ),
    # Growth
    Story(
        CORVID,
        "SMS notifications",
        GROWTH,
        "oliver.brennan",
        LIVE,
        DIRECT,
        "Appointment and status text messages sent through Corvid.",
        "Meant to be permanent; under review since Corvid cut its partner team.",
        commitments="We pay per message sent; “best efforts” support only, no SLA.",
        start=(2, 1, 1, 1, 1),
        final=(3, 2, 2, 2, 2),
        ratings=4,
        first_days_ago=345,
        last_days_ago=60,
        # The "score dropped" warning.
        then=(3, 1, 1, 2, 2),
        then_comment="Score dropped: Corvid let its partner team go, our direct contact "
        "left, and their help articles now describe an API version that no longer exists.",
        plans=(
            Plan(
                "business_relationship",
                IN_PROGRESS,
                target=(3, -30),
                set_days_ago=130,
                owner="fatima.haddad",
                expected_value="A named contact at Corvid again, and an SLA with it.",
            ),
            Plan(
                "support",
                OPEN_PLAN,
                target=(2, 60),
                effort=Estimate("2"),
                expected_value="Our own help articles, so customers no longer read Corvid's "
                "out-of-date ones.",
            ),
        ),
        exchange=Exchange(
            partner_gets=(FEES,),
            we_get=(BETTER_PRODUCT,),
            built_by=PARTNER,
            hosted_by=PARTNER,
            supported_by=PARTNER,
            support_terms=BEST_EFFORTS,
        ),
    ),
    Story(
        CORVID,
        "Email campaigns",
        GROWTH,
        None,  # the second "no owner"
        LIVE,
        NO_INCENTIVE,
        "Send marketing emails to our customers' contacts through Corvid.",
        "Unclear; kept running for a handful of legacy customers.",
        start=(2, 1, 1, 1, 1),
        final=(2, 1, 2, 1, 1),
        ratings=2,
        first_days_ago=250,
        last_days_ago=35,
        exchange=Exchange(we_get=(BETTER_PRODUCT,), built_by=PARTNER, hosted_by=PARTNER),
    ),
    Story(
        BRIGHTPATH,
        "Lead sync",
        GROWTH,
        "chloe.dubois",
        BUILDING,
        REV_SHARE,
        "Send qualified leads from our product to Brightpath.",
        "Announced at Brightpath's conference; meant to become a revenue line.",
        commitments="Revenue share signed before any code was written; no engineering "
        "commitment from Brightpath.",
        start=(1, 1, 1, 1, 1),
        final=(1, 2, 1, 1, 2),  # the "adoption ahead of value transfer" warning
        ratings=3,
        first_days_ago=150,
        last_days_ago=14,
        plans=(
            Plan(
                "value_transfer",
                IN_PROGRESS,
                target=(2, 14),
                set_days_ago=90,
                effort=Estimate("8", OUTSOURCED, "140"),
                expected_value="Leads reach Brightpath without a sales rep exporting a file.",
            ),
            Plan("adoption_priority", OPEN_PLAN),
        ),
        exchange=Exchange(
            partner_gets=(REVENUE,),
            we_get=(CUSTOMERS,),
            built_by=PARTNER,
            hosted_by=PARTNER,
        ),
    ),
    Story(
        BRIGHTPATH,
        "Marketplace listing",
        GROWTH,
        "fatima.haddad",
        LIVE,
        OTHER,
        "Our app in Brightpath's marketplace, installed with one click by their admins.",
        "Permanent; the listing is our main source of Brightpath-sourced sign-ups.",
        start=(2, 2, 1, 1, 1),
        final=(3, 2, 2, 1, 3),
        ratings=5,
        first_days_ago=330,
        last_days_ago=11,
        exchange=Exchange(
            partner_gets=(MARKETING, BETTER_PRODUCT),
            we_get=(CUSTOMERS,),
            built_by=US,
            hosted_by=US,
            supported_by=US,
            support_terms=SLA,
            api_notice_days=30,
        ),
    ),
    Story(
        FERNHILL,
        "Demo booking widget",
        GROWTH,
        "oliver.brennan",
        BUILDING,
        NO_INCENTIVE,
        "Let visitors book a product demo from our pricing page through Fernhill's widget.",
        "A one-quarter experiment.",
        start=(1, 1, 1, 1, 1),
        final=(2, 1, 1, 1, 1),
        ratings=2,
        first_days_ago=75,
        last_days_ago=8,
        exchange=Exchange(
            we_get=(CUSTOMERS,),
            built_by=PARTNER,
            hosted_by=PARTNER,
            supported_by=PARTNER,
        ),
    ),
    # Customer Experience
    Story(
        LUMEN,
        "Ticket sidebar app",
        CX,
        "hannah.schmidt",
        LIVE,
        NO_INCENTIVE,
        "Shows the customer's account, plan and recent activity next to every Lumen ticket.",
        "Permanent; support relies on it every day.",
        commitments="Lumen app-framework terms: 90 days' notice before deprecating APIs.",
        start=(2, 1, 1, 1, 1),
        final=(3, 2, 3, 2, 3),
        ratings=5,
        first_days_ago=340,
        last_days_ago=16,
        plans=(
            Plan(
                "business_relationship",
                OPEN_PLAN,
                target=(3, 40),
                set_days_ago=75,
                expected_value="A listing in Lumen's featured apps.",
            ),
        ),
        exchange=Exchange(
            partner_gets=(BETTER_PRODUCT,),
            we_get=(BETTER_PRODUCT,),
            built_by=US,
            hosted_by=US,
            supported_by=US,
            support_terms=SLA,
            api_notice_days=90,
        ),
    ),
    Story(
        LUMEN,
        "Customer health sync",
        CX,
        "ravi.menon",
        BUILDING,
        OTHER,
        "Push our customer-health score into Lumen so agents can prioritise at-risk accounts.",
        "Pilot with the success team for two quarters.",
        start=(1, 1, 1, 1, 1),
        final=(2, 2, 1, 2, 1),
        ratings=3,
        first_days_ago=190,
        last_days_ago=27,
        plans=(
            Plan(
                "support",
                OPEN_PLAN,
                target=(2, -20),
                set_days_ago=105,
                effort=Estimate("1.5"),
                expected_value="Agents know what the health score means without asking us.",
            ),
        ),
        exchange=Exchange(
            partner_gets=(USAGE_DATA,),
            we_get=(BETTER_PRODUCT,),
            built_by=US,
            hosted_by=US,
            supported_by=US,
            api_notice_days=90,
        ),
    ),
    Story(
        QUILLMARK,
        "Signed-document archive",
        CX,
        "ravi.menon",
        LIVE,
        REV_SHARE,
        "Keep a copy of every signed document on the customer's account page.",
        "Permanent; part of the e-signature revenue share.",
        commitments="Covered by the Quillmark revenue share agreement.",
        start=(1, 2, 1, 1, 1),
        final=(2, 2, 2, 1, 1),
        ratings=2,
        first_days_ago=120,
        last_days_ago=19,
        exchange=Exchange(
            partner_gets=(CUSTOMERS,),
            we_get=(REVENUE,),
            built_by=US,
            hosted_by=PARTNER,
            supported_by=US,
            support_terms=SLA,
            api_notice_days=90,
        ),
    ),
    Story(
        FERNHILL,
        "Support call booking",
        CX,
        "mateo.alvarez",
        IDEA,
        NO_INCENTIVE,
        "Customers book a call with support from the help centre.",
        "Idea under evaluation.",
        start=(1, 1, 1, 1, 1),
        final=(1, 2, 1, 1, 1),
        ratings=2,
        first_days_ago=60,
        last_days_ago=4,
    ),
    Story(
        KESTREL,
        "Agent sign-in for support staff",
        CX,
        "mateo.alvarez",
        LIVE,
        NO_INCENTIVE,
        "Our support agents sign in to the admin console with Kestrel and hardware keys.",
        "Permanent; required by our security policy.",
        start=(2, 1, 1, 1, 1),
        final=(3, 2, 2, 1, 1),
        ratings=4,
        first_days_ago=280,
        last_days_ago=24,
        exchange=Exchange(
            partner_gets=(FEES,),
            we_get=(SUPPORT,),
            built_by=US,
            hosted_by=PARTNER,
            supported_by=PARTNER,
            support_terms=SLA,
            api_notice_days=60,
        ),
    ),
    Story(
        TIDEWATER,
        "Support analytics",
        CX,
        "hannah.schmidt",
        LIVE,
        NO_INCENTIVE,
        "Send ticket events to Tidewater to see which product areas drive support volume.",
        "Internal tool; kept as long as it answers the question.",
        start=(1, 1, 1, 1, 1),
        final=(3, 1, 1, 2, 1),
        ratings=3,
        first_days_ago=210,
        last_days_ago=33,
        exchange=Exchange(
            partner_gets=(FEES,),
            we_get=(USAGE_DATA,),
            built_by=US,
            hosted_by=PARTNER,
            supported_by=US,
            support_terms=BEST_EFFORTS,
        ),
    ),
    Story(
        MOAT,
        "Viewability in customer reports",
        DATA,
        "leah.goldberg",
        BUILDING,
        DIRECT,
        "Expose MOAT viewability in the scheduled reports customers email to advertisers.",
        "Extends the Polar × MOAT partnership; permanent once shipped.",
        commitments="Covered by the paid measurement agreement with MOAT.",
        start=(2, 2, 1, 1, 1),
        final=(3, 3, 1, 2, 1),
        ratings=3,
        first_days_ago=110,
        last_days_ago=10,
        plans=(
            Plan(
                "support",
                OPEN_PLAN,
                target=(2, 30),
                set_days_ago=45,
                effort=Estimate("2"),
                expected_value="Help articles that explain viewability to advertisers.",
            ),
        ),
        exchange=Exchange(
            partner_gets=(FEES, USAGE_DATA),
            we_get=(BETTER_PRODUCT,),
            built_by=US,
            hosted_by=US,
            supported_by=US,
            support_terms=SLA,
            api_notice_days=30,
        ),
    ),
)

# Short evidence notes per category and step, for generated histories.
NOTES: dict[str, dict[int, tuple[str, ...]]] = {
    "value_transfer": {
        1: (
            "Customers copy records across by hand; we have seen their spreadsheets.",
            "Support walks customers through re-entering data in {partner}.",
        ),
        2: (
            "Export from us, import into {partner}; a user starts every run.",
            "API connection works once a user authorises it and presses sync.",
        ),
        3: (
            "Sync runs on its own every few minutes; nobody touches it after setup.",
            "Webhooks push changes both ways as they happen.",
        ),
    },
    "business_relationship": {
        1: (
            "We build against the public API of {partner}; questions go to their general queue.",
            "No named contact at {partner} yet.",
        ),
        2: (
            "Monthly call with the partner manager at {partner} and a named engineer.",
            "Direct chat channel with {partner}; letter of intent signed.",
        ),
        3: (
            "Paid partner agreement with {partner}, renewed yearly.",
            "Contract in place; quarterly business reviews with {partner}.",
        ),
    },
    "support": {
        1: (
            "QA has a {partner} sandbox with test accounts.",
            "Test tenant on {partner} used for release checks.",
        ),
        2: (
            "Help-centre articles published on both sites.",
            "Internal runbook and a customer FAQ for the integration.",
        ),
        3: (
            "Sync failures raise an in-app alert and page the on-call engineer.",
            "Status banner in both products when the connection breaks.",
        ),
    },
    "data_relationship": {
        1: (
            "Each side counts usage on its own; the numbers do not match.",
            "No usage data shared with {partner}.",
        ),
        2: (
            "We send {partner} a monthly usage report.",
            "{partner} reports activations into our admin console.",
        ),
        3: (
            "Both products pull usage from each other's API nightly.",
            "Shared usage endpoint; a joint dashboard is built on it.",
        ),
    },
    "adoption_priority": {
        1: (
            "Account managers mention {partner} when customers ask.",
            "No marketing yet; referrals only.",
        ),
        2: (
            "Joint landing page and a webinar with {partner}.",
            "Case study written together and published on both blogs.",
        ),
        3: (
            "A setup prompt in our onboarding switches {partner} on.",
            "Listed in both products' app directories with one-click activation.",
        ),
    },
}

# The challenge on the way to each category's next step, and the plan for it.
PLAN_TEXT: dict[str, tuple[str, str]] = {
    "value_transfer": (
        "{partner} changes its API without notice and the sync breaks silently.",
        "Run a nightly contract test against their sandbox, follow their changelog, and ask "
        "for 30 days' notice of breaking changes at the next review.",
    ),
    "business_relationship": (
        "{partner} sees little in it for them and stops answering.",
        "Bring usage numbers to the next call and propose a revenue share tied to activated "
        "customers; the partnership lead owns the follow-up.",
    ),
    "support": (
        "Customers reach our support first and we have nobody to call at {partner}.",
        "Agree named contacts and an escalation path on both sides, record them on the "
        "partner, and rehearse an outage once a quarter.",
    ),
    "data_relationship": (
        "{partner} will not share usage server to server without a data-processing agreement.",
        "Start with a monthly report from our side while legal drafts the agreement; the "
        "owner checks progress every two weeks.",
    ),
    "adoption_priority": (
        "Marketing wants a launch before the integration works without manual steps.",
        "Hold co-marketing until value transfer is automatic; collect two customer stories "
        "from the pilot meanwhile.",
    ),
}

# What brought a re-rating about, for generated comments.
OCCASIONS = (
    "Re-rated at the quarterly review.",
    "Re-rated after a call with the partner.",
    "Re-rated after our latest release.",
)
