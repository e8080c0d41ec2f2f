"""The CSV pages through the test client: upload, preview, commit, templates and exports."""

import csv
import io
import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exchange import formats, importer, tables, views
from exchange.models import ImportKind, PendingImport
from exchange.results import CellError, Preview, RowResult
from partners.models import Integration, Partner, Role
from tests.factories import (
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    UserFactory,
)
from tests.pages import page_text

pytestmark = pytest.mark.django_db

UPLOAD = "/import/"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


# -- helpers -------------------------------------------------------------------------------------


def csv_text(kind: ImportKind, rows: list[dict[str, str]], *, columns=None) -> str:
    """A CSV file of ``kind``: its required columns and those the rows give, in export order."""
    if columns is None:
        wanted = {*formats.required_columns(kind), *(column for row in rows for column in row)}
        columns = [column for column in formats.import_columns(kind) if column in wanted]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in columns})
    return out.getvalue()


def partner_rows(*names: str, status: str = "Active") -> list[dict[str, str]]:
    return [{"Name": name, "Relationship status": status} for name in names]


def upload(client: Client, kind, content, name: str = "data.csv"):
    """POST the upload form; ``content`` as str (UTF-8) or bytes; ``kind`` may be None."""
    data = content.encode() if isinstance(content, str) else content
    form = {"file": SimpleUploadedFile(name, data, content_type="text/csv")}
    if kind is not None:
        form["kind"] = str(kind)
    return client.post(UPLOAD, form)


def prose(text: str) -> str:
    """page_text with the spaces that tags left before punctuation taken out."""
    return re.sub(r"\s+([.,:;)])", r"\1", text)


def file_errors(response) -> str:
    """The text of the messages beside the file field."""
    html = response.content.decode()
    start = html.find('id="file-errors"')
    assert start != -1, "no error beside the file field"
    end = html.find('<div class="form-text"', start)
    return " ".join(
        unescape(re.sub(r"<[^>]+>", " ", html[html.index(">", start) + 1 : end])).split()
    )


def table_rows(response, section_id: str) -> list[list[str]]:
    """The cells' texts of each body row of the table in the section ``section_id``."""
    html = response.content.decode()
    section = html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [" ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in cells]
        for cells in (re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in body.split("</tr>"))
        if cells
    ]


def checked_kind(response) -> str | None:
    match = re.search(r'name="kind" value="(\w+)"[^>]*\schecked', response.content.decode())
    return match.group(1) if match else None


def preview_url(pending: PendingImport) -> str:
    return reverse("exchange:import_preview", args=[pending.pk])


def member(role) -> object:
    return MembershipFactory(role=role).user


@pytest.fixture
def lead_client(client: Client, user) -> Client:
    client.force_login(user)
    return client


# -- who may import ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.VIEWER, False), (Role.PRODUCT_MANAGER, False), (Role.PARTNERSHIP_LEAD, True)],
)
def test_upload_page_only_for_leads(client, role, allowed):
    client.force_login(member(role))
    response = client.get(UPLOAD)
    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert "You are not allowed to do that." in page_text(response)


def test_admin_without_team_may_import(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(UPLOAD).status_code == 200


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(UPLOAD)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_viewer_upload_is_refused_and_nothing_kept(client):
    client.force_login(member(Role.VIEWER))
    response = upload(
        client, ImportKind.PARTNERS, csv_text(ImportKind.PARTNERS, partner_rows("Acme"))
    )
    assert response.status_code == 403
    assert not PendingImport.objects.exists()


def test_lead_demoted_after_upload_may_not_preview_or_commit(client, user):
    client.force_login(user)
    upload(client, ImportKind.PARTNERS, csv_text(ImportKind.PARTNERS, partner_rows("Acme")))
    pending = PendingImport.objects.get()
    user.memberships.update(role=Role.VIEWER)
    assert client.get(preview_url(pending)).status_code == 403
    assert client.post(preview_url(pending)).status_code == 403
    assert not Partner.objects.exists()


def test_nav_shows_import_to_leads_only(client, user):
    client.force_login(user)
    assert 'href="/import/"' in client.get("/partners/").content.decode()
    client.force_login(member(Role.PRODUCT_MANAGER))
    html = client.get("/partners/").content.decode()
    assert 'href="/import/"' not in html
    # Exporting is reading: every member gets the downloads.
    for kind in ImportKind.values:
        assert f'href="/export/{kind}.csv"' in html
    assert html.count("<div") == html.count("</div>")  # the menus kept the page's structure


# -- the upload page -----------------------------------------------------------------------------


def test_upload_page_explains_order_and_offers_downloads(lead_client):
    response = lead_client.get(UPLOAD)
    text = page_text(response)
    order = "Import them in this order: partners, then integrations (they name their partner), then"
    assert order in prose(text)
    html = response.content.decode()
    for kind in ImportKind.values:
        assert f'href="/import/templates/{kind}.csv"' in html
        assert f'href="/export/{kind}.csv"' in html
    for column in formats.required_columns(ImportKind.INTEGRATIONS):
        assert f"<code>{column}</code>" in html
    assert "up to 5 MB" in text
    assert checked_kind(response) is None


def test_upload_page_preselects_kind_from_query(lead_client):
    assert checked_kind(lead_client.get(UPLOAD + "?kind=integrations")) == "integrations"
    assert checked_kind(lead_client.get(UPLOAD + "?kind=nonsense")) is None


def test_upload_page_lists_own_pending_uploads(lead_client, user):
    mine = PendingImport.objects.create(
        uploaded_by=user, kind=ImportKind.PARTNERS, filename="mine.csv", content="x"
    )
    PendingImport.objects.create(
        uploaded_by=UserFactory(), kind=ImportKind.PARTNERS, filename="theirs.csv", content="x"
    )
    html = lead_client.get(UPLOAD).content.decode()
    assert "mine.csv" in html and preview_url(mine) in html
    assert "theirs.csv" not in html


# -- refusals beside the field -------------------------------------------------------------------


def test_no_file(lead_client):
    response = lead_client.post(UPLOAD, {"kind": "integrations"})
    assert response.status_code == 200
    assert "Choose a CSV file or an Excel workbook to upload." in file_errors(response)
    assert checked_kind(response) == "integrations"
    assert not PendingImport.objects.exists()


def test_no_kind(lead_client):
    response = upload(lead_client, None, csv_text(ImportKind.PARTNERS, partner_rows("Acme")))
    assert response.status_code == 200
    assert "Choose what the file holds." in page_text(response)
    assert 'id="kind-errors"' in response.content.decode()
    assert not PendingImport.objects.exists()


def test_unknown_kind(lead_client):
    response = upload(lead_client, "teams", csv_text(ImportKind.PARTNERS, partner_rows("Acme")))
    assert response.status_code == 200
    assert 'id="kind-errors"' in response.content.decode()
    assert not PendingImport.objects.exists()


@pytest.mark.parametrize("name", ["partners.xls", "partners", "partners.csv.exe", "notes.txt"])
def test_not_a_csv_name(lead_client, name):
    response = upload(lead_client, "partners", csv_text(ImportKind.PARTNERS, []), name=name)
    assert response.status_code == 200
    errors = file_errors(response)
    assert "Only .csv and .xlsx files can be imported." in errors
    assert checked_kind(response) == "partners"
    assert not PendingImport.objects.exists()


def test_upper_case_extension_is_fine(lead_client):
    response = upload(
        lead_client, "partners", csv_text(ImportKind.PARTNERS, partner_rows("Acme")), "P.CSV"
    )
    assert response.status_code == 302
    assert PendingImport.objects.get().filename == "P.CSV"


def test_too_large(lead_client, settings):
    settings.IMPORT_MAX_BYTES = 100
    content = csv_text(ImportKind.PARTNERS, partner_rows(*(f"Partner {n}" for n in range(20))))
    assert len(content.encode()) > 100
    response = upload(lead_client, "partners", content)
    assert response.status_code == 200
    errors = file_errors(response)
    assert re.search(
        r"This file is [\d.]+ (bytes|KB); the largest file accepted is 100 bytes", errors
    )
    assert checked_kind(response) == "partners"
    assert not PendingImport.objects.exists()


def test_too_large_says_megabytes(lead_client, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    content = "name\r\n" + "x" * (1024 * 1024 + 1)
    errors = file_errors(upload(lead_client, "partners", content))
    # Rounded up: a file just over the limit never reads as the limit itself.
    assert "This file is 1.1 MB; the largest file accepted is 1 MB." in errors
    assert not PendingImport.objects.exists()


def test_exactly_the_limit_is_accepted(lead_client, settings):
    content = csv_text(ImportKind.PARTNERS, partner_rows("Acme"))
    settings.IMPORT_MAX_BYTES = len(content.encode())
    assert upload(lead_client, "partners", content).status_code == 302


@pytest.mark.parametrize(
    "encoding", ["latin-1", "utf-16"], ids=["latin-1 with an accent", "UTF-16 with BOM"]
)
def test_wrong_encoding(lead_client, encoding):
    content = csv_text(ImportKind.PARTNERS, partner_rows("Société Générale")).encode(encoding)
    response = upload(lead_client, "partners", content)
    assert response.status_code == 200
    assert "UTF-8" in file_errors(response)
    assert checked_kind(response) == "partners"
    assert not PendingImport.objects.exists()


def test_png_renamed_csv(lead_client):
    response = upload(lead_client, "partners", PNG + bytes(range(256)), name="logo.csv")
    assert response.status_code == 200
    assert file_errors(response)
    assert not PendingImport.objects.exists()
    assert not Partner.objects.exists()


def test_empty_file(lead_client):
    response = upload(lead_client, "partners", b"")
    assert response.status_code == 200
    assert "empty" in file_errors(response).lower()
    assert not PendingImport.objects.exists()


def test_header_only_file(lead_client):
    response = upload(lead_client, "partners", csv_text(ImportKind.PARTNERS, []))
    assert "no rows" in file_errors(response)
    assert checked_kind(response) == "partners"
    assert not PendingImport.objects.exists()


def test_missing_columns_are_named(lead_client):
    columns = [c for c in formats.import_columns(ImportKind.INTEGRATIONS) if c != "Partner"]
    content = csv_text(ImportKind.INTEGRATIONS, [{"Integration": "Sync"}], columns=columns)
    response = upload(lead_client, "integrations", content)
    assert response.status_code == 200
    assert "Partner" in file_errors(response)
    assert checked_kind(response) == "integrations"
    assert not PendingImport.objects.exists()


def test_wrong_kind_for_the_file_names_the_missing_columns(lead_client):
    """A partners file uploaded as assessments: said beside the file, with the columns."""
    content = csv_text(ImportKind.PARTNERS, partner_rows("Acme"))
    response = upload(lead_client, "assessments", content)
    errors = file_errors(response)
    missing = set(formats.required_columns(ImportKind.ASSESSMENTS)) - set(
        formats.header(ImportKind.PARTNERS)
    )
    assert any(column in errors for column in missing)
    assert not PendingImport.objects.exists()


def test_chosen_file_name_is_repeated_beside_the_error(lead_client):
    response = upload(lead_client, "partners", b"\xff\xfe\x00", name="a&b <odd>.csv")
    html = response.content.decode()
    assert "You chose a&amp;b &lt;odd&gt;.csv" in " ".join(re.sub("<[^>]+>", "", html).split())
    assert "<odd>" not in html


def test_file_name_with_path_and_nul_is_cleaned(lead_client):
    content = csv_text(ImportKind.PARTNERS, partner_rows("Acme"))
    upload(lead_client, "partners", content, name="dir\\sub\\da\x00ta.csv")
    assert PendingImport.objects.get().filename == "data.csv"


# -- a good upload, and its preview --------------------------------------------------------------


def test_good_upload_keeps_the_file_and_shows_its_preview(lead_client, user):
    PartnerFactory(name="Known", relationship_status=Partner.RelationshipStatus.ACTIVE)
    content = csv_text(
        ImportKind.PARTNERS,
        [
            {"Name": "Acme", "Relationship status": "Active"},
            {"Name": "Known", "Relationship status": "Paused"},
        ],
    )
    response = upload(lead_client, "partners", content, name="partners.csv")
    pending = PendingImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == preview_url(pending)
    assert (pending.uploaded_by, pending.kind, pending.filename) == (
        user,
        "partners",
        "partners.csv",
    )
    assert pending.content == content
    assert not Partner.objects.filter(name="Acme").exists()  # nothing saved yet

    response = lead_client.get(preview_url(pending))
    assert response.status_code == 200
    text = page_text(response)
    assert "Preview of partners.csv" in text
    assert "To create 1 To update 1 Unchanged 0 With errors 0" in text
    assert "Import 2 rows" in text
    assert table_rows(response, "import-rows") == [
        ["2", "Acme", "New", "all"],
        # The changed columns, under the record on a phone, in their own column on a screen.
        ["3", "Known Relationship status", "Update", "Relationship status"],
    ]
    assert 'id="import-errors"' not in response.content.decode()


def test_preview_with_errors_lists_row_and_column_and_offers_no_import(lead_client):
    content = csv_text(
        ImportKind.PARTNERS,
        [
            {"Name": "Acme", "Relationship status": "Active"},
            {"Name": "Bad", "Relationship status": "Sleeping"},
        ],
    )
    upload(lead_client, "partners", content)
    response = lead_client.get(preview_url(PendingImport.objects.get()))
    assert response.status_code == 200
    text = page_text(response)
    assert "With errors 1" in text
    assert "Fix the 1 error in your file and upload it again." in text
    assert "Import 1 row" not in text and "Import 2 rows" not in text
    assert '<button type="submit"' not in response.content.decode().split("<main", 1)[1]
    [error] = table_rows(response, "import-errors")
    # Row, record, column, then the problem (the record repeated above it on a phone).
    assert error[:3] == ["3", "Bad", "Relationship status"]
    assert error[3].startswith("Bad ") and "“Sleeping”" in error[3]
    assert table_rows(response, "import-rows") == [
        ["2", "Acme", "New", "all"],
        ["3", "Bad 1 error", "Error", "1 error"],
    ]


def test_nothing_to_import(lead_client):
    PartnerFactory(name="Acme", relationship_status=Partner.RelationshipStatus.ACTIVE)
    exported = b"".join(lead_client.get("/export/partners.csv").streaming_content).decode()
    upload(lead_client, "partners", exported)
    response = lead_client.get(preview_url(PendingImport.objects.get()))
    text = page_text(response)
    assert "Nothing to import: every row is already there" in text
    assert "Unchanged 1" in text
    assert "Import 0" not in text


def test_ignored_columns_are_noted(lead_client):
    columns = ["Name", "favourite colour", "Relationship status"]
    content = csv_text(ImportKind.PARTNERS, partner_rows("Acme"), columns=columns)
    upload(lead_client, "partners", content)
    text = page_text(lead_client.get(preview_url(PendingImport.objects.get())))
    assert "Not imported: favourite colour (a column the import does not read)." in text


def test_long_file_lists_the_first_rows_and_counts_the_rest(lead_client, monkeypatch):
    monkeypatch.setattr(views, "ROWS_SHOWN", 3)
    upload(
        lead_client,
        "partners",
        csv_text(ImportKind.PARTNERS, partner_rows(*(f"P{n:02}" for n in range(10)))),
    )
    response = lead_client.get(preview_url(PendingImport.objects.get()))
    text = page_text(response)
    assert "Rows (10)" in text
    assert "P02" in text and "P03" not in text
    assert "Showing the first 3 rows; 7 more rows are not listed but counted above" in text
    assert "Import 10 rows" in text


def test_many_errors_are_capped_with_a_count(lead_client, monkeypatch):
    monkeypatch.setattr(views, "ERRORS_SHOWN", 2)
    upload(
        lead_client,
        "partners",
        csv_text(ImportKind.PARTNERS, partner_rows("A", "B", "C", "D", status="Nope")),
    )
    text = page_text(lead_client.get(preview_url(PendingImport.objects.get())))
    assert "Errors (4)" in text
    assert "…and 2 more errors not shown" in text


def test_preview_escapes_file_content(lead_client):
    upload(lead_client, "partners", csv_text(ImportKind.PARTNERS, partner_rows("<b>x</b>")))
    html = lead_client.get(preview_url(PendingImport.objects.get())).content.decode()
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_preview_page_queries_beyond_the_import_are_fixed(
    lead_client, user, django_assert_num_queries, monkeypatch
):
    """The page adds four queries to what the importer reads, however long the file.

    (The importer's own reads and rolled-back writes are tested with it.)
    """
    rows = [RowResult(number=n, key=f"P{n}", action="create") for n in range(2, 2002)]
    rows[5].errors.append(CellError("Name", "Too long."))
    monkeypatch.setattr(
        importer, "preview", lambda kind, text, user: Preview(kind, rows, ["Extra"])
    )
    pending = PendingImport.objects.create(
        uploaded_by=user, kind=ImportKind.PARTNERS, filename="p.csv", content="Name\r\nx\r\n"
    )
    # Session, user, memberships (for the rights and the navigation), reviews waiting
    # (the navigation's count), the pending file.
    with django_assert_num_queries(5):
        response = lead_client.get(preview_url(pending))
    assert "Rows (2,000)" in page_text(response)


# -- whose upload --------------------------------------------------------------------------------


def test_someone_elses_upload_is_not_found(lead_client):
    other_lead = member(Role.PARTNERSHIP_LEAD)
    pending = PendingImport.objects.create(
        uploaded_by=other_lead,
        kind=ImportKind.PARTNERS,
        filename="theirs.csv",
        content=csv_text(ImportKind.PARTNERS, partner_rows("Acme")),
    )
    assert lead_client.get(preview_url(pending)).status_code == 404
    assert lead_client.post(preview_url(pending)).status_code == 404
    assert not Partner.objects.exists()
    assert PendingImport.objects.filter(pk=pending.pk).exists()


def test_unknown_upload_is_not_found(lead_client):
    assert lead_client.get("/import/999999/").status_code == 404
    assert lead_client.post("/import/999999/").status_code == 404


def test_day_old_upload_is_not_found(lead_client, user):
    pending = PendingImport.objects.create(
        uploaded_by=user,
        kind=ImportKind.PARTNERS,
        filename="old.csv",
        content=csv_text(ImportKind.PARTNERS, partner_rows("Acme")),
    )
    PendingImport.objects.filter(pk=pending.pk).update(
        uploaded_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    assert lead_client.get(preview_url(pending)).status_code == 404
    assert lead_client.post(preview_url(pending)).status_code == 404
    assert not Partner.objects.exists()


# -- commit --------------------------------------------------------------------------------------


def test_commit_saves_every_row_then_forgets_the_file(lead_client):
    PartnerFactory(name="Known", relationship_status=Partner.RelationshipStatus.ACTIVE)
    content = csv_text(
        ImportKind.PARTNERS,
        [
            {"Name": "Acme", "Relationship status": "Prospect"},
            {"Name": "Beta", "Relationship status": "Active"},
            {"Name": "Known", "Relationship status": "Paused"},
        ],
    )
    upload(lead_client, "partners", content, name="partners.csv")
    pending = PendingImport.objects.get()

    response = lead_client.post(preview_url(pending), follow=True)
    assert response.redirect_chain == [(UPLOAD, 302)]
    text = prose(page_text(response))
    assert "Imported partners.csv: 2 created, 1 updated. See the partner list." in text
    assert 'class="alert-link" href="/partners/"' in response.content.decode()
    assert set(Partner.objects.values_list("name", "relationship_status")) == {
        ("Acme", "prospect"),
        ("Beta", "active"),
        ("Known", "paused"),
    }
    assert not PendingImport.objects.exists()

    # A second click (or the back button and submit again) finds nothing to commit.
    assert lead_client.post(preview_url(pending)).status_code == 404
    assert Partner.objects.count() == 3


def test_reimporting_the_same_file_changes_nothing(lead_client):
    content = csv_text(ImportKind.PARTNERS, partner_rows("Acme", "Beta"))
    upload(lead_client, "partners", content)
    lead_client.post(preview_url(PendingImport.objects.get()))
    before = list(Partner.objects.values_list("pk", "name", "version").order_by("pk"))

    upload(lead_client, "partners", content)
    pending = PendingImport.objects.get()
    assert "Nothing to import" in page_text(lead_client.get(preview_url(pending)))
    assert list(Partner.objects.values_list("pk", "name", "version").order_by("pk")) == before


def test_commit_of_a_file_with_errors_writes_nothing(lead_client):
    content = csv_text(
        ImportKind.PARTNERS,
        [
            {"Name": "Acme", "Relationship status": "Active"},
            {"Name": "B", "Relationship status": "?"},
        ],
    )
    upload(lead_client, "partners", content)
    pending = PendingImport.objects.get()
    response = lead_client.post(preview_url(pending))
    assert response.status_code == 200
    assert "Fix the 1 error" in page_text(response)
    assert not Partner.objects.exists()
    assert PendingImport.objects.filter(pk=pending.pk).exists()


def test_errors_that_appear_after_the_preview_stop_the_commit(lead_client):
    """The partner an integrations file names is deleted between preview and commit."""
    team = TeamFactory(name="Platform")
    MembershipFactory(team=team, user=UserFactory(username="owner"))
    partner = PartnerFactory(name="Acme")
    content = csv_text(
        ImportKind.INTEGRATIONS,
        [
            {"Partner": "Acme", "Integration": "Sync", "Team": "Platform", "Owner": "owner"},
            {"Partner": "Acme", "Integration": "SSO", "Team": "Platform", "Owner": "owner"},
        ],
    )
    upload(lead_client, "integrations", content)
    pending = PendingImport.objects.get()
    assert "Import 2 rows" in page_text(lead_client.get(preview_url(pending)))

    partner.delete()
    response = lead_client.post(preview_url(pending))
    assert response.status_code == 200
    text = page_text(response)
    assert "Fix the 2 errors in your file and upload it again." in text
    assert "With errors 2" in text
    assert not Integration.objects.exists()
    assert PendingImport.objects.filter(pk=pending.pk).exists()


def test_commit_of_integrations_links_to_the_dashboard(lead_client):
    team = TeamFactory(name="Platform")
    MembershipFactory(team=team, user=UserFactory(username="owner"))
    PartnerFactory(name="Acme")
    content = csv_text(
        ImportKind.INTEGRATIONS,
        [{"Partner": "Acme", "Integration": "Sync", "Team": "Platform", "Owner": "owner"}],
    )
    upload(lead_client, "integrations", content, name="integrations.csv")
    response = lead_client.post(preview_url(PendingImport.objects.get()), follow=True)
    assert "Imported integrations.csv: 1 created. See the dashboard or partners." in prose(
        page_text(response)
    )
    assert 'class="alert-link" href="/"' in response.content.decode()
    integration = Integration.objects.get()
    assert (
        integration.partner.name,
        integration.name,
        integration.team,
        integration.owner.username,
    ) == (
        "Acme",
        "Sync",
        team,
        "owner",
    )


def test_a_file_the_importer_no_longer_reads_is_said_plainly(lead_client, user, monkeypatch):
    """Checked at upload, so only a change of the rules can do this: no 500, a way out."""
    pending = PendingImport.objects.create(
        uploaded_by=user, kind=ImportKind.PARTNERS, filename="p.csv", content="Name\r\nx\r\n"
    )

    def refuse(*args, **kwargs):
        raise tables.FileError("The file has no “Name” column.")

    monkeypatch.setattr(importer, "preview", refuse)
    monkeypatch.setattr(importer, "commit", refuse)
    for response in (lead_client.get(preview_url(pending)), lead_client.post(preview_url(pending))):
        assert response.status_code == 200
        assert "The file has no “Name” column. Upload another file" in page_text(response)
    assert PendingImport.objects.filter(pk=pending.pk).exists()


def test_get_does_not_commit(lead_client):
    upload(lead_client, "partners", csv_text(ImportKind.PARTNERS, partner_rows("Acme")))
    pending = PendingImport.objects.get()
    lead_client.get(preview_url(pending))
    lead_client.head(preview_url(pending))
    assert not Partner.objects.exists()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_refused(lead_client, method):
    assert getattr(lead_client, method)(UPLOAD).status_code == 405


def test_commit_needs_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    pending = PendingImport.objects.create(
        uploaded_by=user,
        kind=ImportKind.PARTNERS,
        filename="p.csv",
        content=csv_text(ImportKind.PARTNERS, partner_rows("Acme")),
    )
    assert client.post(preview_url(pending)).status_code == 403
    assert not Partner.objects.exists()


# -- downloads -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ImportKind.values)
def test_template_download(client, kind):
    client.force_login(member(Role.VIEWER))
    response = client.get(f"/import/templates/{kind}.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="{kind}-template.csv"'
    header = next(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert header == formats.import_columns(ImportKind(kind))


@pytest.mark.parametrize("kind", ImportKind.values)
def test_export_download_for_every_member(client, kind):
    client.force_login(member(Role.VIEWER))
    IntegrationFactory()
    response = client.get(f"/export/{kind}.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    assert next(csv.reader(io.StringIO(body))) == formats.header(ImportKind(kind))


@pytest.mark.parametrize(
    "path",
    ["/export/teams.csv", "/import/templates/users.csv", "/export/Partners.csv", "/export/.csv"],
)
def test_unknown_kind_downloads_are_not_found(lead_client, path):
    assert lead_client.get(path).status_code == 404


def test_downloads_need_a_membership(client):
    client.force_login(UserFactory())
    assert client.get("/export/partners.csv").status_code == 403
    assert client.get("/import/templates/partners.csv").status_code == 403
