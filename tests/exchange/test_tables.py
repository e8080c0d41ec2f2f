"""Reading a file as a table: decoding, file errors, the header, rows and their cells' text."""

import pytest

from exchange import importer, tables
from exchange.exports import export_lines
from exchange.tables import FileError
from partners.models import Partner
from tests.exchange.import_files import (
    ASSESSMENTS,
    INTEGRATIONS,
    PARTNERS,
    csv_text,
    errors,
    partner_row,
    table,
)

pytestmark = pytest.mark.django_db


# -- decoding ------------------------------------------------------------------------------------


def test_decode_reads_utf8_and_drops_the_byte_order_mark():
    assert tables.decode("\ufeffName\nCafé Ü\n".encode()) == "Name\nCafé Ü\n"


@pytest.mark.parametrize(
    "data",
    ["Name\nCafé\n".encode("latin-1"), "Name\nAcme\n".encode("utf-16")],
    ids=["latin-1", "utf-16"],
)
def test_decode_refuses_other_encodings_and_says_how_to_save(data):
    with pytest.raises(FileError, match="not UTF-8 text.*CSV UTF-8"):
        tables.decode(data)


def test_decode_refuses_binary_files():
    with pytest.raises(FileError, match="not a CSV file"):
        tables.decode(b"Name\n\x00\x01\x02")
    with pytest.raises(FileError, match="workbook"):
        tables.decode(b"PK\x03\x04rest-of-a-zip")


# -- file errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "  \n\r\n"])
def test_an_empty_file(user, text):
    with pytest.raises(FileError, match="The file is empty"):
        importer.preview(PARTNERS, text, user=user)


def test_a_header_without_rows(user):
    with pytest.raises(FileError, match="no rows"):
        importer.preview(PARTNERS, "Name,Website\n,\n", user=user)


def test_broken_quoting_is_not_csv(user):
    with pytest.raises(FileError, match=r"not a CSV file we can read \(line 2"):
        importer.preview(PARTNERS, 'Name\n"Acme"Corp\n', user=user)


def test_a_header_of_none_of_our_columns_is_not_our_csv(user):
    with pytest.raises(FileError, match="does not look like a partners file: its first row"):
        importer.preview(PARTNERS, "Lorem ipsum dolor\nsit amet\n", user=user)


def test_missing_required_columns_are_all_named(user):
    text = csv_text(["Partner", "Integration", "Value transfer step"], ["Acme", "Ledger", "2"])

    with pytest.raises(FileError) as raised:
        importer.preview(ASSESSMENTS, text, user=user)

    assert str(raised.value) == (
        "The file has no “Rated at”, “Business relationship step”, “Support step”, "
        "“Data relationship step”, “Adoption priority step” or “Rated by” columns, which an "
        "assessments file needs. Add them to the first row (the template shows the layout)."
    )


def test_a_file_of_another_kind_is_recognised(user):
    text = table(PARTNERS, partner_row())

    with pytest.raises(FileError) as raised:
        importer.preview(ASSESSMENTS, text, user=user)

    assert str(raised.value).startswith(
        "This looks like a partners file, but an assessments file was expected: it has no "
        "“Partner”, “Integration”, “Rated at”,"
    )
    assert str(raised.value).endswith(
        "Choose “Partners” as the kind of file, or upload the assessments file."
    )


def test_an_integrations_export_uploaded_as_partners_is_recognised(user, north):
    text = "".join(export_lines(INTEGRATIONS))

    with pytest.raises(FileError, match="looks like an integrations file.*no “Name” column"):
        importer.preview(PARTNERS, text, user=user)


def test_file_checks_alone_need_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        tables.check_file(PARTNERS, "Name\nAcme\n")
        with pytest.raises(FileError, match="no “Name” column"):
            tables.check_file(PARTNERS, "Website\nhttps://a.example\n")


def test_a_file_of_too_many_rows_is_refused_before_the_database(
    settings, django_assert_num_queries
):
    settings.IMPORT_MAX_ROWS = 3
    tables.check_file(PARTNERS, csv_text(["Name"], ["A"], ["B"], ["C"]))

    with django_assert_num_queries(0), pytest.raises(FileError) as raised:
        tables.check_file(PARTNERS, csv_text(["Name"], ["A"], ["B"], ["C"], ["D"]))

    assert str(raised.value) == (
        "The file has 4 rows; up to 3 can be imported at once. Split it into smaller files and "
        "import them one after the other."
    )


def test_duplicate_column_names(user):
    text = csv_text(["Name", "Website", " name "], ["Acme", "", "Acme"])

    with pytest.raises(FileError, match="“name” appears twice \\(columns 1 and 3\\)"):
        importer.preview(PARTNERS, text, user=user)


# -- reading the file ----------------------------------------------------------------------------


def test_headers_match_ignoring_case_and_spaces_and_errors_use_the_files_names(user):
    text = csv_text(["  NAME ", "website"], ["Acme", "not a url"])

    result = importer.preview(PARTNERS, text, user=user)

    assert errors(result) == [(2, "website", "Enter a valid URL.")]
    text = csv_text(["  NAME ", "Description"], ["", "no name"])
    assert errors(importer.preview(PARTNERS, text, user=user)) == [(2, "NAME", "Name is required.")]


def test_unknown_and_read_only_columns_are_ignored_and_listed(user, north):
    text = csv_text(
        ["Partner", "Integration", "Team", "Score", "Our notes"],
        ["Acme", "Ledger", "North", "15", "call them"],
    )

    result = importer.commit(INTEGRATIONS, text, user=user)

    assert result.ignored_columns == ["Score", "Our notes"]
    assert result.rows[0].action == "unchanged"


def test_semicolon_separated_files_are_read(user):
    text = csv_text(["Name", "Website"], ["Acme; Inc", ""], delimiter=";")

    result = importer.commit(PARTNERS, text, user=user)

    assert result.committed
    assert Partner.objects.get().name == "Acme; Inc"


def test_row_numbers_are_the_spreadsheets_across_blank_rows_and_multiline_cells(user):
    text = csv_text(
        ["Name", "Description"],
        ["Acme", "line one\nline two\nline three"],
        ["", ""],
        ["", "no name"],
    )

    result = importer.preview(PARTNERS, text, user=user)

    assert [row.number for row in result.rows] == [2, 4]
    assert errors(result) == [(4, "Name", "Name is required.")]


def test_a_row_longer_than_the_header(user):
    result = importer.preview(PARTNERS, "Name\nAcme,surprise\n", user=user)

    assert errors(result) == [(2, "", "This row has more cells than the file has columns (1).")]


def test_the_formula_guard_of_an_export_is_undone(user):
    text = csv_text(["Name", "Description"], ["'=Acme", "'+1 and '-2"])

    importer.commit(PARTNERS, text, user=user)

    partner = Partner.objects.get()
    assert (partner.name, partner.description) == ("=Acme", "+1 and '-2")


def test_a_semicolon_file_with_old_mac_line_ends_is_read(user):
    """The delimiter is guessed from the header line, whatever ends it."""
    result = importer.preview(PARTNERS, "Name;Description\rAcme;a, b\r", user=user)

    assert result.counts["create"] == 1, errors(result)


def test_a_cell_longer_than_csvs_default_limit_is_read(user):
    """The pages save descriptions of any length, so the export writes them and imports them."""
    description = "d" * 200_000

    result = importer.commit(
        PARTNERS, csv_text(["Name", "Description"], ["Acme", description]), user=user
    )

    assert result.committed, errors(result)
    assert Partner.objects.get().description == description
