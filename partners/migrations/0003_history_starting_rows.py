"""Give every record that exists when change history begins a starting history row.

Without it, a record's first recorded change would have nothing to compare
with, and a stale edit of it could not say what the editor started from.  On a
new database there is nothing to do.  (django-simple-history's
``populate_history --auto`` does the same only while a model has no history
at all, so it cannot be run safely later; this runs exactly once.)
"""

from django.db import migrations
from django.utils import timezone

# The same text as partners.history.STARTING_ROW_REASON, which the pages read.
STARTING_ROW_REASON = "Starting point: the record as it was when history began"
MODELS = ["Team", "Membership", "Partner", "Integration", "ContingencyPlan"]
HISTORY_FIELDS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
}
BATCH = 1000


def add_starting_rows(apps, schema_editor):
    now = timezone.now()
    for name in MODELS:
        model = apps.get_model("partners", name)
        historical = apps.get_model("partners", f"Historical{name}")
        columns = [
            field.attname for field in historical._meta.fields if field.name not in HISTORY_FIELDS
        ]
        rows = (
            historical(
                **values,
                history_date=now,
                history_type="+",
                history_change_reason=STARTING_ROW_REASON,
            )
            for values in model._base_manager.order_by("pk").values(*columns).iterator()
        )
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                historical.objects.bulk_create(batch)
                batch = []
        historical.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("partners", "0002_history_and_versions")]

    operations = [migrations.RunPython(add_starting_rows, migrations.RunPython.noop)]
