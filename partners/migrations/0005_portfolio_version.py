"""The portfolio's data version moves from the old ``scorecard`` app to partners.

Its table keeps its name (``scorecard_portfolioversion``), so a database made
before the move keeps its row and nothing is copied. A new database has no such
table yet, since the ``scorecard`` app and its migration are gone: it is made
here, with its one row.
"""

from django.db import migrations, models


def create_table_if_missing(apps, schema_editor):
    model = apps.get_model("partners", "PortfolioVersion")
    existing = schema_editor.connection.introspection.table_names()
    if model._meta.db_table not in existing:
        schema_editor.create_model(model)
    if not model.objects.filter(pk=1).exists():
        model.objects.create(pk=1, token="initial")


class Migration(migrations.Migration):
    dependencies = [("partners", "0004_plan_version_assessment_imported_by")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PortfolioVersion",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("token", models.CharField(max_length=32)),
                    ],
                    options={
                        "verbose_name": "portfolio version",
                        "db_table": "scorecard_portfolioversion",
                    },
                ),
            ],
        ),
        migrations.RunPython(create_table_if_missing, migrations.RunPython.noop),
    ]
