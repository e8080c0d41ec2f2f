"""The Partnership Scorecard rubric: the one place it is defined.

Five categories, in the order an integration usually matures through them,
each with three steps.  A step is worth its position in points, so an
assessment (one step per category) totals 5 to 15.  Forms, charts, exports and
the API all read the rubric from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    number: int
    name: str
    description: str

    @property
    def points(self) -> int:
        return self.number


@dataclass(frozen=True)
class Category:
    key: str
    name: str
    question: str
    steps: tuple[Step, Step, Step]

    @property
    def position(self) -> int:
        """1-based place in the order of execution."""
        return CATEGORY_KEYS.index(self.key) + 1

    def step(self, number: int) -> Step:
        if type(number) is not int or number not in STEP_NUMBERS:
            raise ValueError(f"{self.name} has no step {number!r}; steps run 1 to 3.")
        return self.steps[number - 1]

    @property
    def step_names(self) -> tuple[str, ...]:
        return tuple(step.name for step in self.steps)


CATEGORIES: tuple[Category, ...] = (
    Category(
        key="value_transfer",
        name="Value transfer",
        question="How does the value (usually information) move between the two products?",
        steps=(
            Step(
                1,
                "Manual",
                "Customers already combine the two products by hand: they copy, re-type or "
                "re-upload what they need. No technology helps yet, but the need is proven.",
            ),
            Step(
                2,
                "Assisted",
                "Technology does part of the work and a person finishes it: an export file to "
                "import elsewhere, or an API connection a user must authorise and trigger.",
            ),
            Step(
                3,
                "Automatic",
                "Value flows between the products on its own, with nobody stepping in once it "
                "is set up.",
            ),
        ),
    ),
    Category(
        key="business_relationship",
        name="Business relationship",
        question="How close are the two companies, from using a public API to exchanging money?",
        steps=(
            Step(
                1,
                "From afar",
                "We build against what the partner publishes. There is no named contact on "
                "either side; questions go through the public support channel.",
            ),
            Step(
                2,
                "Handshake",
                "We know the people: there are named business and technical contacts who answer "
                "us directly, and perhaps a letter of intent.",
            ),
            Step(
                3,
                "Transaction",
                "Money or a formal agreement changes hands for something not openly available, "
                "and the direct lines to the partner stay open.",
            ),
        ),
    ),
    Category(
        key="support",
        name="Support",
        question="Once live, how do both sides keep the integration working for customers?",
        steps=(
            Step(
                1,
                "Test accounts",
                "Product and QA have a sandbox with test accounts on the partner's side and use "
                "it to see what customers will experience.",
            ),
            Step(
                2,
                "Information",
                "Help articles explain the integration to our own teams and to customers, so "
                "most questions are answered without escalation.",
            ),
            Step(
                3,
                "Real-time",
                "The products raise alerts and in-context tips as things happen, backed by "
                "logging in engineering, so problems surface before customers report them.",
            ),
        ),
    ),
    Category(
        key="data_relationship",
        name="Data relationship",
        question="What usage data do the two products share about the integration, if any?",
        steps=(
            Step(
                1,
                "None",
                "Each side measures the integration on its own; no interaction data crosses over.",
            ),
            Step(
                2,
                "Individually reported",
                "One side collects the interaction data and reports it into both products.",
            ),
            Step(
                3,
                "Server to server",
                "Each product can fetch the other's data through a server API. This is where "
                "joint value grows, and the hardest step to get right.",
            ),
        ),
    ),
    Category(
        key="adoption_priority",
        name="Adoption priority",
        question="How hard do both companies push customers to adopt the integration?",
        steps=(
            Step(
                1,
                "Word of mouth",
                "No marketing beyond our own people pointing customers to the partner when the "
                "topic comes up.",
            ),
            Step(
                2,
                "Co-marketing",
                "Both companies put their names to shared material (pages, launches, case "
                "studies) that shows a commitment to each other.",
            ),
            Step(
                3,
                "In-product",
                "The product itself invites customers to switch the partner on, in one product "
                "or in both.",
            ),
        ),
    ),
)

CATEGORY_KEYS: tuple[str, ...] = tuple(category.key for category in CATEGORIES)
STEP_NUMBERS: tuple[int, ...] = (1, 2, 3)
MIN_STEP, MAX_STEP = STEP_NUMBERS[0], STEP_NUMBERS[-1]
MIN_TOTAL = MIN_STEP * len(CATEGORIES)
MAX_TOTAL = MAX_STEP * len(CATEGORIES)

_CATEGORIES_BY_KEY = {category.key: category for category in CATEGORIES}


def category(key: str) -> Category:
    """The category with this key; ``KeyError`` for an unknown key."""
    return _CATEGORIES_BY_KEY[key]


@dataclass(frozen=True)
class Band:
    key: str
    name: str
    low: int
    high: int
    summary: str

    def __contains__(self, total: int) -> bool:
        return self.low <= total <= self.high

    @property
    def points(self) -> str:
        """The band's totals in words: "8–11", or "15" for a single total."""
        return str(self.low) if self.low == self.high else f"{self.low}–{self.high}"


# Bands turn a total into words.  They cover MIN_TOTAL..MAX_TOTAL without gaps
# (a unit test holds them to it).
BANDS: tuple[Band, ...] = (
    Band("emerging", "Emerging", 5, 7, "Connected in principle; most of the work is ahead."),
    Band("developing", "Developing", 8, 11, "Working for customers, with clear next steps."),
    Band("strong", "Strong", 12, 14, "A deep partnership with one or two steps to go."),
    Band("complete", "Complete", 15, 15, "Every category at its top step."),
)

# What the assessment history says about a missing or stale rating.
STALE_AFTER_DAYS = 90


def as_dict() -> dict:
    """The rubric as plain data, for the browser (the rating form's live score)."""
    return {
        "categories": [
            {
                "key": c.key,
                "name": c.name,
                "steps": [
                    {"number": st.number, "name": st.name, "points": st.points} for st in c.steps
                ],
            }
            for c in CATEGORIES
        ],
        "bands": [{"key": b.key, "name": b.name, "low": b.low, "high": b.high} for b in BANDS],
        "max_step": MAX_STEP,
        "max_total": MAX_TOTAL,
    }
