"""How templates/ is laid out: pages in one folder per app, every partial in
templates/partials/ named ``_<subject>.html``, the chart pages on charts_base.html."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
INCLUDE = re.compile(r'{%\s*include\s+"([^"]+)"')
EXTENDS = re.compile(r'{%\s*extends\s+"([^"]+)"')


def templates() -> dict[str, str]:
    return {
        path.relative_to(TEMPLATES).as_posix(): path.read_text()
        for path in TEMPLATES.rglob("*")
        if path.is_file()
    }


def test_every_partial_is_in_partials_and_named_with_an_underscore():
    names = templates()
    partials = {name for name in names if name.startswith("partials/")}
    underscored = {name for name in names if Path(name).name.startswith("_")}
    assert partials, "no partials found"
    assert partials == underscored


def test_every_include_names_a_partial_that_exists():
    names = templates()
    for name, text in names.items():
        for included in INCLUDE.findall(text):
            assert included.startswith("partials/"), f"{name} includes {included}"
            assert included in names, f"{name} includes {included}, which does not exist"


def draws_charts(name: str, names: dict[str, str]) -> bool:
    """Whether ``name``, or a partial it includes (at any depth), places a chart."""
    return any(
        included == "partials/_chart.html" or draws_charts(included, names)
        for included in INCLUDE.findall(names[name])
    )


def test_the_chart_pages_extend_charts_base_which_alone_links_plotly():
    names = templates()
    pages = {name for name in names if not name.startswith("partials/")}
    chart_pages = {name for name in pages if draws_charts(name, names)}
    assert chart_pages == {
        "dashboard/dashboard.html",
        "dashboard/compare.html",
        "partners/integration_detail.html",
        "partners/partner_detail.html",
        "reviews/cycle_detail.html",
    }
    for name in chart_pages:
        assert EXTENDS.findall(names[name]) == ["charts_base.html"], name
    linking = {name for name, text in names.items() if "plotly.js-" in text}
    assert linking == {"charts_base.html"}


def test_the_navigation_is_not_chosen_by_matching_the_path():
    """The current tab comes from request.resolver_match (config/context_processors.py)."""
    for name, text in templates().items():
        assert "request.path" not in text, name
