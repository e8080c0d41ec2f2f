"""A contingency plan becomes the category's whole plan: target, plan, owner, effort.

The rename keeps every saved plan and its history; 0007 adds the new fields.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("partners", "0005_portfolio_version"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="contingencyplan", name="contingency_plan_one_per_category"
        ),
        migrations.RemoveConstraint(
            model_name="contingencyplan", name="contingency_plan_category_valid"
        ),
        migrations.RemoveConstraint(
            model_name="contingencyplan", name="contingency_plan_status_valid"
        ),
        migrations.RenameModel(old_name="ContingencyPlan", new_name="CategoryPlan"),
        migrations.RenameModel(
            old_name="HistoricalContingencyPlan", new_name="HistoricalCategoryPlan"
        ),
    ]
