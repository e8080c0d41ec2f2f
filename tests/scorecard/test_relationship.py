"""The relationship's four warnings (scorecard.relationship): each rule, both sides of each edge."""

import pytest

from scorecard import relationship
from scorecard.relationship import (
    CLOSED_NOTHING_FOR_PARTNER,
    LIVE_ON_BEST_EFFORTS,
    NO_NOTICE_PERIOD,
    ONE_SIDED,
)

ALL = (LIVE_ON_BEST_EFFORTS, CLOSED_NOTHING_FOR_PARTNER, ONE_SIDED, NO_NOTICE_PERIOD)


def codes(**overrides) -> list[str]:
    """The warnings' codes for a healthy relationship changed by ``overrides``."""
    values = {
        "status": "live",
        "platform_closed": False,
        "support_terms": relationship.SLA,
        "partner_gets": ["revenue_share"],
        "we_get": ["customers"],
        "has_incentive": False,
        "api_notice_days": 30,
        **overrides,
    }
    return [warning.code for warning in relationship.warnings(**values)]


def test_a_healthy_relationship_has_no_warning():
    assert codes() == []


# -- live on best efforts only --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "terms", "warned"),
    [
        ("live", relationship.BEST_EFFORTS, True),
        ("live", relationship.SLA, False),
        ("live", "", False),  # nothing agreed yet is not "best efforts"
        ("building", relationship.BEST_EFFORTS, False),  # not live: nobody depends on it yet
        ("idea", relationship.BEST_EFFORTS, False),
        ("retired", relationship.BEST_EFFORTS, False),
    ],
)
def test_live_on_best_efforts_only(status, terms, warned):
    assert ("best_efforts_only" in codes(status=status, support_terms=terms)) is warned


# -- closed platform with nothing in it for the partner -------------------------------------------


@pytest.mark.parametrize(
    ("closed", "partner_gets", "incentive", "status", "warned"),
    [
        (True, [], False, "live", True),
        (True, [], False, "idea", True),
        (True, [], False, "building", True),
        (True, [], False, "retired", False),  # retired: nobody has to keep it working
        (False, [], False, "live", False),  # open: we can maintain it ourselves
        (True, ["co_marketing"], False, "live", False),
        (True, [], True, "live", False),  # paid through the incentive model
    ],
)
def test_closed_platform_with_nothing_for_the_partner(
    closed, partner_gets, incentive, status, warned
):
    found = codes(
        platform_closed=closed,
        partner_gets=partner_gets,
        has_incentive=incentive,
        status=status,
    )
    assert ("closed_nothing_for_partner" in found) is warned


# -- one-sided value exchange ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("partner_gets", "we_get", "incentive", "warned"),
    [
        (["revenue_share"], ["customers"], False, False),
        (["revenue_share"], [], False, True),  # we get nothing
        ([], ["customers"], False, True),  # the partner gets nothing
        ([], ["customers"], True, False),  # the incentive is what the partner gets
        ([], [], False, False),  # nothing recorded: unknown, not lopsided
        ([], [], True, False),  # an incentive alone records nothing of what we get
        (["data"], [], True, True),
    ],
)
def test_one_sided_value_exchange(partner_gets, we_get, incentive, warned):
    found = codes(partner_gets=partner_gets, we_get=we_get, has_incentive=incentive)
    assert ("one_sided_value" in found) is warned


def test_one_sided_counts_for_a_retired_integration_too():
    assert "one_sided_value" in codes(status="retired", partner_gets=[], we_get=["data"])


# -- no notice period for API changes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "days", "warned"),
    [
        ("live", None, True),
        ("building", None, True),
        ("idea", None, False),  # nothing runs yet
        ("retired", None, False),
        ("live", 0, False),  # zero days is a notice period agreed, not none
        ("live", 1, False),
        ("building", 90, False),
    ],
)
def test_no_notice_period_for_api_changes(status, days, warned):
    assert ("no_api_notice" in codes(status=status, api_notice_days=days)) is warned


# -- together -------------------------------------------------------------------------------------


def test_all_four_at_once_most_urgent_first():
    found = codes(
        status="live",
        platform_closed=True,
        support_terms=relationship.BEST_EFFORTS,
        partner_gets=[],
        we_get=["customers"],
        api_notice_days=None,
    )

    assert found == [warning.code for warning in ALL]


@pytest.mark.parametrize("warning", ALL, ids=lambda w: w.code)
def test_each_warning_is_one_line_that_explains_itself(warning):
    name, _, why = warning.message.partition(": ")
    assert "\n" not in warning.message
    assert name and why.endswith(".")
    assert len({w.code for w in ALL}) == len(ALL)
