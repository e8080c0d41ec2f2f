"""Writes for the import pages: keeping an uploaded file until it is committed.

The rows themselves are written by exchange.importer.commit, through
partners.services; this module only looks after PendingImport.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from exchange import importer
from exchange.models import ImportKind, PendingImport

# An upload not committed within a day is forgotten: its preview would be stale anyway.
PENDING_IMPORT_LIFETIME = timedelta(days=1)
# Uploads kept per person: enough for a few tabs open at once, and a bound on the
# space one person's repeated uploads (up to IMPORT_MAX_BYTES each) can take.
PENDING_IMPORTS_PER_USER = 5


def pending_imports(user: AbstractBaseUser):
    """The user's uploads still waiting to be committed, newest first.

    Without their text (up to IMPORT_MAX_BYTES each), which only the preview and
    the commit read: ask for it with ``.defer(None)`` or read ``.content``.
    """
    return PendingImport.objects.filter(
        uploaded_by=user, uploaded_at__gte=timezone.now() - PENDING_IMPORT_LIFETIME
    ).defer("content")


def pending_import_create(
    *, user: AbstractBaseUser, kind: ImportKind | str, filename: str, text: str
) -> PendingImport:
    """Keep an uploaded file (already decoded and checked) for its preview and commit.

    Also forgets everyone's uploads older than a day, and this user's older
    uploads beyond the latest few: the table only ever holds recent files.
    """
    with transaction.atomic():
        PendingImport.objects.filter(
            uploaded_at__lt=timezone.now() - PENDING_IMPORT_LIFETIME
        ).delete()
        pending = PendingImport.objects.create(
            uploaded_by=user, kind=ImportKind(kind), filename=filename, content=text
        )
        kept = PendingImport.objects.filter(uploaded_by=user).values_list("pk", flat=True)
        PendingImport.objects.filter(uploaded_by=user).exclude(
            pk__in=list(kept[:PENDING_IMPORTS_PER_USER])
        ).delete()
    return pending


def pending_import_commit(*, pending: PendingImport, user: AbstractBaseUser) -> importer.Preview:
    """Import the pending file's rows, all or none, and forget the file once imported.

    The rows are checked again against the data as it is now.  When errors
    have appeared since the preview, nothing is written, the file is kept, and
    the returned preview (``committed`` False) lists them.

    Raises PendingImport.DoesNotExist when the file was committed meanwhile
    (a second click, another tab): the row is locked for the commit, so one
    file is never imported twice at once.
    """
    with transaction.atomic():
        locked = PendingImport.objects.select_for_update().get(pk=pending.pk)
        result = importer.commit(ImportKind(locked.kind), locked.content, user=user)
        if result.committed:
            locked.delete()
    return result
