"""Exchange pages: upload a CSV or Excel file, preview it, commit it; templates and exports.

Views stay thin: exchange.forms checks the file, exchange.importer reads and
writes the rows, exchange.services keeps the upload between preview and commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_http_methods, require_safe

from exchange import exports, formats, importer, services, tables
from exchange.forms import KIND_HELP, ImportUploadForm
from exchange.models import ImportKind, PendingImport
from partners import permissions
from partners.spreadsheets import xlsx_response

# The preview lists at most this many rows (a note says how many more there are)...
ROWS_SHOWN = 500
# ...and at most this many errors: beyond that, the file needs fixing as a whole.
ERRORS_SHOWN = 1000


def _require_import(request: HttpRequest) -> None:
    """Refuse (403) users who may not import; the navigation hides the page from them too."""
    if not permissions.can_import(request.user):
        raise PermissionDenied


@dataclass(frozen=True)
class KindInfo:
    """One kind of file, as the upload page describes it."""

    kind: ImportKind
    help: str
    columns: list[tuple[str, bool]]  # (column, required)


def _kinds() -> list[KindInfo]:
    infos = []
    for kind in ImportKind:
        required = set(formats.required_columns(kind))
        columns = [(column, column in required) for column in formats.import_columns(kind)]
        infos.append(KindInfo(kind=kind, help=KIND_HELP[kind], columns=columns))
    return infos


@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """Choose what a file holds and upload it; a file that can be previewed goes to its preview."""
    _require_import(request)
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            pending = services.pending_import_create(
                user=request.user,
                kind=form.cleaned_data["kind"],
                filename=form.filename,
                text=form.text,
            )
            return redirect("exchange:import_preview", pending.pk)
    else:
        form = ImportUploadForm(initial={"kind": request.GET.get("kind")})
    return render(
        request,
        "exchange/import_upload.html",
        {
            "form": form,
            "kinds": _kinds(),
            "pending_imports": services.pending_imports(request.user)[:5],
        },
    )


@dataclass(frozen=True)
class ErrorLine:
    """One error of the preview, as a row of the error table."""

    number: int
    key: str
    column: str
    message: str


def _preview_context(pending: PendingImport, preview: importer.Preview) -> dict:
    rows = preview.rows
    errors = [
        ErrorLine(row.number, row.key, error.column, error.message)
        for row in rows
        for error in row.errors
    ]
    counts = preview.counts
    to_do = counts.get("create", 0) + counts.get("update", 0)
    return {
        "pending": pending,
        "preview": preview,
        "counts": {
            "create": counts.get("create", 0),
            "update": counts.get("update", 0),
            "unchanged": counts.get("unchanged", 0),
            "errors": preview.error_rows,
        },
        "to_do": to_do,
        "rows": rows[:ROWS_SHOWN],
        "rows_hidden": max(0, len(rows) - ROWS_SHOWN),
        "errors": errors[:ERRORS_SHOWN],
        "error_count": len(errors),
        "errors_hidden": max(0, len(errors) - ERRORS_SHOWN),
    }


def _pending_or_404(request: HttpRequest, pk: int) -> PendingImport:
    """The signed-in user's own recent upload; anyone else's is as good as absent."""
    pending = services.pending_imports(request.user).defer(None).filter(pk=pk).first()
    if pending is None:
        raise Http404("No such upload.")
    return pending


@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what importing the file would do, checked against the data as it is now.

    POST: import it (all rows or none).  If errors appeared since the preview,
    nothing is written and the preview is shown again with them.
    """
    _require_import(request)
    pending = _pending_or_404(request, pk)
    kind = ImportKind(pending.kind)
    try:
        if request.method == "POST":
            try:
                result = services.pending_import_commit(pending=pending, user=request.user)
            except PendingImport.DoesNotExist:
                raise Http404("This file was imported already.") from None
            if result.committed:
                messages.success(request, _success_message(kind, pending.filename, result))
                return redirect("exchange:import_upload")
            if result.problem:  # every row was fine, but concurrent saves kept conflicting
                messages.error(request, result.problem)
                return redirect("exchange:import_preview", pending.pk)  # checked afresh
        else:
            result = importer.preview(kind, pending.content, user=request.user)
    except tables.FileError as error:
        # The upload was checked as a whole already; this only happens if the rules changed.
        return render(
            request,
            "exchange/import_preview.html",
            {"pending": pending, "file_error": str(error)},
        )
    return render(request, "exchange/import_preview.html", _preview_context(pending, result))


def _success_message(kind: ImportKind, filename: str, result: importer.Preview) -> str:
    """The message after a commit: "Imported p.csv: 3 created, 1 updated. See the partner list." """
    counts = result.counts
    parts = [
        f"{counts.get(action, 0)} {word}"
        for action, word in (
            ("create", "created"),
            ("update", "updated"),
            ("unchanged", "unchanged"),
        )
        if counts.get(action, 0)
    ]
    if kind == ImportKind.PARTNERS:
        links = [(reverse("partners:partner_list"), "the partner list")]
    else:
        links = [
            (reverse("dashboard:home"), "the dashboard"),
            (reverse("partners:partner_list"), "partners"),
        ]
    return format_html(
        "Imported {}: {}. See {}.",
        filename,
        ", ".join(parts) or "nothing to change",
        format_html_join(" or ", '<a class="alert-link" href="{}">{}</a>', links),
    )


@require_safe
def import_template(request: HttpRequest, kind: ImportKind) -> HttpResponse:
    """An empty file of ``kind`` with its header row (and an example row) to fill in."""
    response = HttpResponse(formats.template_csv(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind.value}-template.csv"'
    return response


@require_safe
def import_template_xlsx(request: HttpRequest, kind: ImportKind) -> FileResponse:
    """The template as a workbook: the same columns and examples."""
    columns, rows = formats.template_rows(kind)
    return xlsx_response(columns, rows, f"{kind.value}-template", None, title=kind.label)


@require_safe
def export(request: HttpRequest, kind: ImportKind) -> StreamingHttpResponse:
    """Every record of ``kind`` as a CSV download, in the columns the import reads back."""
    return exports.export_response(kind)


@require_safe
def export_xlsx(request: HttpRequest, kind: ImportKind) -> FileResponse:
    """The same export as a workbook (.xlsx)."""
    return exports.export_xlsx_response(kind)
