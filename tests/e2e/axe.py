"""axe-core accessibility checks for the browser tests.

axe-core's script comes from the axe-playwright-python package
(requirements-dev.txt) and is evaluated into the page by the test: the app
never loads it, and nothing is fetched from the network.
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

# What fails a test; "moderate" and "minor" findings are left to review.
FAILING_IMPACTS = frozenset({"serious", "critical"})
# How many of a violation's elements a failure lists.
TARGETS_SHOWN = 3

_axe = Axe()


def violations(page: Page) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now (every rule axe runs by default)."""
    return _axe.run(page, options={"resultTypes": ["violations"]}).response["violations"]


def failing(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [violation for violation in found if violation["impact"] in FAILING_IMPACTS]


def describe(violation: dict[str, Any]) -> str:
    """id, impact and axe's help text; then the first few elements, each with what axe found."""
    nodes = violation["nodes"]
    lines = [f"{violation['id']} [{violation['impact']}] {violation['help']}"]
    for node in nodes[:TARGETS_SHOWN]:
        target = " ".join(map(str, node["target"]))
        found = "; ".join(
            check["message"] for kind in ("any", "all", "none") for check in node.get(kind, [])
        )
        lines.append(f"    {target}: {found}")
    if len(nodes) > TARGETS_SHOWN:
        lines.append(f"    (and {len(nodes) - TARGETS_SHOWN} more)")
    return "\n".join(lines)


def assert_accessible(page: Page, *, context: str = "") -> None:
    """Fail listing every serious or critical axe violation on the current page.

    ``context`` names the page in the failure message (e.g. "plans page at 390").
    """
    problems = failing(violations(page))
    if problems:
        where = context or page.url
        lines = "\n".join(f"  - {describe(violation)}" for violation in problems)
        raise AssertionError(f"{len(problems)} accessibility violation(s) on {where}:\n{lines}")
