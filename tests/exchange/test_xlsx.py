"""The Excel downloads and uploads: the CSV files' rows, typed; read back as the CSV ones."""

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from exchange import formats, importer, workbooks
from exchange.exports import export_lines, export_xlsx_response
from exchange.models import ImportKind, PendingImport
from exchange.tables import FileError
from partners.csv_files import guard_formula
from partners.models import Assessment, CategoryPlan, Integration, Partner
from partners.spreadsheets import XLSX_CONTENT_TYPE, escape_text, unescape_text
from tests.exchange.test_exports import EXPORT_QUERIES, _portfolio
from tests.exchange.test_round_trip import _dataset, _snapshot, _without_ids
from tests.exchange.test_views import file_errors, upload
from tests.factories import IntegrationFactory, TeamFactory, rate

pytestmark = pytest.mark.django_db

UPLOAD = "/import/"


# -- helpers -------------------------------------------------------------------------------------


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def sheet(data: bytes):
    """The workbook's first sheet, read as a spreadsheet program would (not read-only)."""
    return load_workbook(io.BytesIO(data)).worksheets[0]


def values(data: bytes) -> list[list]:
    return [list(row) for row in sheet(data).iter_rows(values_only=True)]


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def as_csv(cell: object, csv_cell: str) -> object:
    """A workbook cell next to the CSV file's: equal when they hold the same value.

    Numbers are compared as numbers (120 in a cell is "120.00" in the CSV file),
    dates as ISO days, text with the CSV file's formula guard.
    """
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return cell  # never written: fails any comparison with text
    if isinstance(cell, int | float):
        return csv_cell if Decimal(csv_cell) == Decimal(str(cell)) else cell
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    return guard_formula(unescape_text(cell))  # a spreadsheet shows _x000D_ as a line break


def assert_same_rows(data: bytes, csv_text: str) -> list[list]:
    """The workbook holds the CSV file's header and rows, cell for cell; returns its cells."""
    cells = values(data)
    expected = csv_rows(csv_text)
    assert cells[0] == expected[0]
    assert len(cells) == len(expected)
    for got, want in zip(cells[1:], expected[1:], strict=True):
        # A row's trailing empty cells are not in the sheet.
        got = got + [None] * (len(want) - len(got))
        assert [as_csv(c, w) for c, w in zip(got, want, strict=True)] == want
    return cells


def workbook(rows: list[list], formats: dict[str, str] | None = None) -> bytes:
    """A workbook as someone's spreadsheet saves it (openpyxl's ordinary mode).

    ``formats``: number formats by cell ("I2": "0.00").
    """
    book = Workbook()
    for row in rows:
        book.active.append(row)
    for coordinate, number_format in (formats or {}).items():
        book.active[coordinate].number_format = number_format
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rezip(data: bytes, member: str, change) -> bytes:
    """``data`` with one member's bytes passed through ``change`` (a forged workbook)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == member:
                body = change(body)
            target.writestr(info.filename, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def first_sheet_member(data: bytes) -> str:
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    return next(name for name in names if name.startswith("xl/worksheets/sheet"))


def xlsx_upload(client, kind, data: bytes, name: str = "data.xlsx"):
    return upload(client, kind, data, name=name)


def partners_book(*names: str) -> bytes:
    return workbook([["Name", "Relationship status"], *([name, "Active"] for name in names)])


# -- exports: the CSV file's rows, typed ---------------------------------------------------------


@pytest.mark.parametrize("kind", list(ImportKind))
def test_each_kinds_workbook_holds_its_csv_export(user, kind):
    _dataset(user)

    response = export_xlsx_response(kind)

    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="{kind.value}-{today}.xlsx"'
    cells = assert_same_rows(content(response), "".join(export_lines(kind)))
    assert len(cells) > 2  # the dataset has rows of every kind


def test_numbers_are_numbers_and_days_are_dates(user):
    _dataset(user)

    integrations = values(content(export_xlsx_response(ImportKind.INTEGRATIONS)))
    plans = sheet(content(export_xlsx_response(ImportKind.PLANS)))
    hurdles = values(content(export_xlsx_response(ImportKind.HURDLES)))

    crm_row = next(row for row in integrations if row[1] == "CRM sync, v2")
    crm = dict(zip(integrations[0], crm_row, strict=False))
    assert (crm["Score"], crm["Value transfer step"], crm["API notice days"]) == (11, 3, 90)
    assert isinstance(crm["Last assessed"], str)  # a moment: its time zone kept, as text
    header = [cell.value for cell in plans[1]]
    support = next(
        dict(zip(header, row, strict=False))
        for row in plans.iter_rows(min_row=2)
        if row[header.index("Category")].value == "Support"
    )
    assert support["Target date"].value == datetime(2099, 12, 31)
    assert support["Target date"].number_format == "yyyy-mm-dd"
    assert (support["Target step"].value, support["Version"].value) == (3, 1)
    assert support["Effort person-weeks"].value == 12.5
    assert (support["Hourly rate"].value, support["Hourly rate"].number_format) == (120, "0.00")
    assert all(isinstance(row[0], int) for row in hurdles[1:])  # the ID


def test_the_header_is_bold_frozen_and_filtered_and_columns_fit(user):
    _dataset(user)

    data = content(export_xlsx_response(ImportKind.PARTNERS))

    partners = sheet(data)
    assert all(cell.font.bold for cell in partners[1])
    assert not any(cell.font.bold for cell in partners[2])
    assert partners.freeze_panes == "A2"
    assert partners.auto_filter.ref == "A1:F1"
    widths = {letter: partners.column_dimensions[letter].width for letter in "ABCDEF"}
    # As wide as the header ("Relationship status") or the rows (a long name), within bounds.
    assert widths["E"] >= len("Relationship status")
    assert widths["A"] >= len('Acme, Inc. "the original"')
    assert max(widths.values()) <= 60


def test_text_that_looks_like_a_formula_is_text_not_a_formula(user):
    _dataset(user)

    data = content(export_xlsx_response(ImportKind.PARTNERS))

    names = [cell for cell in sheet(data)["A"][1:]]
    formula = next(cell for cell in names if cell.value.startswith("=cmd"))
    assert (formula.value, formula.data_type) == ("=cmd|' /C calc'!A0", "s")
    xml = zipfile.ZipFile(io.BytesIO(data)).read(first_sheet_member(data))
    assert b"<f>" not in xml and b"<f " not in xml


def test_text_a_sheet_cannot_hold_is_escaped_and_read_back():
    awkward = "a\r\nb\rc\x07d_x000D_e\x0bf\ufffe"

    escaped = escape_text(awkward)

    assert escaped == "a_x000D_\nb_x000D_c_x0007_d_x005F_x000D_e_x000B_f_xFFFE_"
    assert unescape_text(escaped) == awkward


def test_a_control_character_in_a_description_exports_and_imports_back(user):
    Partner.objects.create(name="Bell", description="ding\x07dong\r\n")

    data = content(export_xlsx_response(ImportKind.PARTNERS))
    text = workbooks.workbook_text(data)

    assert text == "".join(export_lines(ImportKind.PARTNERS))


@pytest.mark.parametrize("kind", list(ImportKind))
def test_the_template_workbook_holds_the_csv_template(lead_client, kind):
    response = lead_client.get(f"/import/templates/{kind.value}.xlsx")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{kind.value}-template.xlsx"'
    assert_same_rows(content(response), formats.template_csv(kind))


# -- round trips ---------------------------------------------------------------------------------


def _hurdles_without_ids(data: bytes) -> bytes:
    """The hurdles workbook with its ID cells emptied, saved as a spreadsheet program would."""
    book = load_workbook(io.BytesIO(data))
    for row in book.worksheets[0].iter_rows(min_row=2):
        row[0].value = None
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_workbooks_round_trip_as_the_csv_files_do(user):
    _dataset(user)
    before = _snapshot()
    csv_files = {kind: "".join(export_lines(kind)) for kind in ImportKind}
    csv_files[ImportKind.HURDLES] = _without_ids(csv_files[ImportKind.HURDLES])
    books = {kind: content(export_xlsx_response(kind)) for kind in ImportKind}
    books[ImportKind.HURDLES] = _hurdles_without_ids(books[ImportKind.HURDLES])
    # Read back, a workbook is its CSV file (the hurdles' re-saved one too).
    assert {kind: workbooks.workbook_text(books[kind]) for kind in ImportKind} == csv_files

    Integration.objects.all().delete()
    Partner.objects.all().delete()
    assert not Assessment.objects.exists()
    for kind in ImportKind:
        result = importer.commit(kind, workbooks.workbook_text(books[kind]), user=user)
        assert result.committed, [(row.number, row.errors) for row in result.rows if row.errors]
        assert result.counts["create"] == len(result.rows)

    assert _snapshot() == before
    exported = {kind: "".join(export_lines(kind)) for kind in ImportKind}
    exported[ImportKind.HURDLES] = _without_ids(exported[ImportKind.HURDLES])
    assert exported == csv_files

    # Importing the workbooks again changes nothing (the hurdles as now exported).
    books[ImportKind.HURDLES] = content(export_xlsx_response(ImportKind.HURDLES))
    for kind in ImportKind:
        again = importer.commit(kind, workbooks.workbook_text(books[kind]), user=user)
        assert again.counts["unchanged"] == len(again.rows), kind
    assert _snapshot() == before


def test_a_workbook_goes_through_the_preview_and_the_commit(lead_client):
    response = xlsx_upload(
        lead_client, "partners", partners_book("Harbour Maps", "+Quill"), "p.xlsx"
    )

    pending = PendingImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/import/{pending.pk}/"
    assert pending.filename == "p.xlsx"
    preview = lead_client.get(response["Location"])
    assert preview.context["counts"]["create"] == 2
    committed = lead_client.post(response["Location"])
    assert committed.status_code == 302
    assert sorted(Partner.objects.values_list("name", flat=True)) == ["+Quill", "Harbour Maps"]


def test_cells_are_read_as_the_csv_file_has_them(north):
    rows = [
        ["Partner", "Integration", "Category", "Target step", "Target date", "Owner", "Status"]
        + ["Effort person-weeks", "Hourly rate", "Challenge", "Contingency plan", "Expected value"],
        ["Acme", "Ledger", "Support", 3, date(2099, 6, 30), "ada", "In progress"]
        + [2.0, 87.5, "Busy team", "'=quoted", "=1+1"],
    ]
    data = workbook(rows, formats={"I2": "0.00"})

    text = workbooks.workbook_text(data)

    header, row = csv_rows(text)
    cells = dict(zip(header, row + [""] * (len(header) - len(row)), strict=True))
    assert cells["Target step"] == "3"  # a whole number, not "3.0"
    assert cells["Target date"] == "2099-06-30"
    assert cells["Effort person-weeks"] == "2"
    assert cells["Hourly rate"] == "87.50"  # as the cell shows it, and a CSV file saves it
    assert cells["Contingency plan"] == "''=quoted"  # the import's unguard gives it back
    # openpyxl saves "=1+1" as a formula, with no value computed: read as empty.
    assert cells["Expected value"] == ""
    result = importer.commit(ImportKind.PLANS, text, user=north.ada)
    assert result.committed, [row.errors for row in result.rows]
    plan = CategoryPlan.objects.get()
    assert (plan.target_step, plan.target_date, plan.effort_weeks, plan.hourly_rate) == (
        3,
        date(2099, 6, 30),
        Decimal("2.0"),
        Decimal("87.50"),
    )
    assert plan.plan == "'=quoted"


def test_date_times_true_and_false_are_read_as_a_csv_file_writes_them():
    data = workbook(
        [
            ["Moment", "Day", "Yes", "No", "Text"],
            [datetime(2025, 3, 1, 10, 30), date(2025, 3, 1), True, False, " x "],
        ]
    )

    (header, row) = csv_rows(workbooks.workbook_text(data))

    assert row == ["2025-03-01T10:30:00", "2025-03-01", "TRUE", "FALSE", " x "]


def test_only_the_first_sheet_is_read():
    book = Workbook()
    book.active.append(["Name"])
    book.active.append(["First"])
    book.create_sheet("Second").append(["Name", "Other"])
    out = io.BytesIO()
    book.save(out)

    assert csv_rows(workbooks.workbook_text(out.getvalue())) == [["Name"], ["First"]]


# -- refusals beside the file field --------------------------------------------------------------


def not_a_zip() -> bytes:
    return b"Name,Relationship status\r\nAcme,Active\r\n"


def a_zip_of_something_else() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "Not a workbook")
    return out.getvalue()


def truncated() -> bytes:
    data = partners_book("Acme")
    return data[: len(data) // 2]


def broken_sheet() -> bytes:
    data = partners_book("Acme")
    return rezip(data, first_sheet_member(data), lambda body: body[: len(body) // 2])


@pytest.mark.parametrize("forged", [not_a_zip, a_zip_of_something_else, truncated, broken_sheet])
def test_a_file_named_xlsx_that_is_not_a_workbook_is_refused_beside_the_field(lead_client, forged):
    response = xlsx_upload(lead_client, "partners", forged(), "partners.xlsx")

    assert response.status_code == 200
    assert "This file is named .xlsx but is not an Excel workbook" in file_errors(response)
    assert not PendingImport.objects.exists()


def test_a_workbook_named_csv_is_told_to_be_named_xlsx(lead_client):
    response = xlsx_upload(lead_client, "partners", partners_book("Acme"), "partners.csv")

    assert response.status_code == 200
    assert "Upload it named .xlsx" in file_errors(response)


@pytest.mark.parametrize(("padding", "refused"), [(300_000, False), (1_000_000, True)])
def test_a_workbook_that_unpacks_to_far_more_than_its_size_is_not_read(
    lead_client, settings, padding, refused
):
    settings.IMPORT_MAX_BYTES = 20_000
    data = partners_book("Acme")
    # Spaces zip to almost nothing: 15 and 50 times the largest upload once unpacked.
    padded = rezip(data, "docProps/app.xml", lambda body: body + b" " * padding)
    assert len(padded) < settings.IMPORT_MAX_BYTES

    response = xlsx_upload(lead_client, "partners", padded)

    if refused:
        assert response.status_code == 200
        assert "unpacks to far more data" in file_errors(response)
    else:
        assert response.status_code == 302


def test_a_workbook_with_too_many_rows_is_refused(lead_client, settings):
    settings.IMPORT_MAX_ROWS = 3

    response = xlsx_upload(lead_client, "partners", partners_book("A", "B", "C", "D"))

    assert response.status_code == 200
    assert "The sheet has more than 3 rows; up to 3 can be imported at once." in file_errors(
        response
    )
    assert not PendingImport.objects.exists()


def test_blank_rows_are_skipped_as_in_a_csv_file(lead_client, settings):
    settings.IMPORT_MAX_ROWS = 3
    data = workbook(
        [
            ["Name", "Relationship status"],
            ["A", "Active"],
            [],
            [None, None],
            ["B", "Active"],
            ["C", "Active"],
        ]
    )

    response = xlsx_upload(lead_client, "partners", data)

    assert response.status_code == 302
    preview = lead_client.get(response["Location"])
    assert preview.context["counts"]["create"] == 3


def test_a_sheet_that_says_it_is_huge_is_refused_before_its_rows_are_read(settings):
    settings.IMPORT_MAX_ROWS = 3
    data = partners_book("A")
    forged = rezip(
        data,
        first_sheet_member(data),
        lambda body: (
            body.replace(b"<sheetData>", b'<dimension ref="A1:B1000000"/><sheetData>', 1)
            if b"<dimension" not in body
            else body.replace(b'ref="A1:B2"', b'ref="A1:B1000000"')
        ),
    )

    with pytest.raises(FileError, match="runs to row 1,000,000; up to 3 rows"):
        workbooks.workbook_text(forged)


def test_a_sheet_with_a_cell_in_its_last_row_is_read_only_so_far(settings):
    """A forged sheet with no size and one cell in row 1,048,576: not read to its end."""
    settings.IMPORT_MAX_ROWS = 3
    data = partners_book("A")
    last = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'

    def forge(body: bytes) -> bytes:
        body = body.replace(b"</sheetData>", last + b"</sheetData>")
        start = body.find(b"<dimension")
        if start != -1:  # the sheet's stated size taken out
            body = body[:start] + body[body.index(b"/>", start) + 2 :]
        return body

    with pytest.raises(FileError, match="runs beyond row 7"):
        workbooks.workbook_text(rezip(data, first_sheet_member(data), forge))


# -- the dashboard's and the comparison's workbooks ----------------------------------------------


@pytest.fixture
def portfolio():
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    made = {
        "ledger": IntegrationFactory(name="Ledger", team=north),
        "maps": IntegrationFactory(name="=Maps", team=north),
        "calendar": IntegrationFactory(name="Calendar", team=south),
    }
    rate(made["ledger"], vt=3, br=3, su=3, dr=3, ap=3, rated_at=datetime(2025, 1, 2, tzinfo=UTC))
    rate(made["maps"], vt=2)
    return {"north": north, **made}


def test_the_dashboards_workbook_follows_the_filters_and_the_sort(lead_client, portfolio):
    query = {"team": portfolio["north"].pk, "sort": "total"}

    response = lead_client.get("/export.xlsx", query)

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="integrations-{today}.xlsx"'
    csv_text = content(lead_client.get("/export.csv", query)).decode()
    cells = assert_same_rows(content(response), csv_text)
    assert [row[1] for row in cells[1:]] == ["=Maps", "Ledger"]
    assert cells[2][0] == portfolio["ledger"].pk  # the Integration ID, a number


def test_the_comparisons_workbook_holds_the_compared_integrations(lead_client, portfolio):
    ids = f"{portfolio['calendar'].pk},{portfolio['ledger'].pk}"

    response = lead_client.get("/compare/export.xlsx", {"ids": ids})

    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="comparison-{today}.xlsx"'
    csv_text = content(lead_client.get("/compare/export.csv", {"ids": ids})).decode()
    cells = assert_same_rows(content(response), csv_text)
    assert [row[1] for row in cells[1:]] == ["Calendar", "Ledger"]


@pytest.mark.parametrize("ids", ["", "abc", "1,2,3,4,5,6,7"])
def test_the_comparisons_workbook_refuses_bad_ids_as_its_csv_does(lead_client, ids):
    response = lead_client.get("/compare/export.xlsx", {"ids": ids})
    csv_response = lead_client.get("/compare/export.csv", {"ids": ids})

    assert response.status_code == 400
    assert response.json() == csv_response.json()


def test_the_pages_offer_the_workbooks_beside_the_csv_files(lead_client, portfolio):
    partners = lead_client.get("/partners/").content.decode()
    dashboard = lead_client.get("/", {"team": portfolio["north"].pk}).content.decode()
    ids = f"{portfolio['maps'].pk},{portfolio['ledger'].pk}"
    compare = lead_client.get("/compare/", {"ids": ids}).content.decode()
    upload_page = lead_client.get(UPLOAD).content.decode()

    for kind in ImportKind:
        assert f'href="/export/{kind.value}.xlsx"' in partners
        assert f'href="/export/{kind.value}.xlsx"' in upload_page
        assert f'href="/import/templates/{kind.value}.xlsx"' in upload_page
    assert f'href="/export.xlsx?team={portfolio["north"].pk}"' in dashboard
    assert f'href="/compare/export.xlsx?ids={ids}"' in compare
    assert all("Excel (.xlsx)" in page for page in (partners, dashboard, compare))
    assert 'accept=".csv,text/csv,.xlsx,' in upload_page


# -- queries: as many as the CSV files' ----------------------------------------------------------


@pytest.mark.parametrize("kind", list(ImportKind))
@pytest.mark.parametrize("size", [1, 4])
def test_workbook_exports_take_the_csv_exports_queries(kind, size, django_assert_num_queries):
    _portfolio(size)

    with django_assert_num_queries(EXPORT_QUERIES[kind]):
        data = content(export_xlsx_response(kind))

    per_record = 1 if kind in (ImportKind.PARTNERS, ImportKind.INTEGRATIONS) else 2
    assert len(values(data)) == 1 + size * per_record


def _queries(client, path: str, query: dict) -> int:
    cache.clear()  # each from the same start: the filters' choices are cached
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, query)
        content(response)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("size", [1, 4])
def test_the_dashboard_and_comparison_workbooks_take_their_csv_files_queries(lead_client, size):
    made = IntegrationFactory.create_batch(size + 1)
    for integration in made:
        rate(integration)
    ids = {"ids": ",".join(str(integration.pk) for integration in made[:2])}
    csv_queries = _queries(lead_client, "/export.csv", {})

    assert _queries(lead_client, "/export.xlsx", {}) == csv_queries
    assert _queries(lead_client, "/compare/export.xlsx", ids) == _queries(
        lead_client, "/compare/export.csv", ids
    )
