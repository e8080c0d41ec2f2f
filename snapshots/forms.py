"""Freezing a review: its scope, title and date, and the actions agreed in it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from partners.models import Partner
from partners.people import display_name
from snapshots.services import ActionInput

NEW_ACTION_ROWS = 4


def _bootstrap(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        is_select = isinstance(field.widget, forms.Select)
        field.widget.attrs.setdefault("class", "form-select" if is_select else "form-control")


class FreezeForm(forms.Form):
    integration = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="The whole partner (every integration)",
        label="What the review covers",
    )
    title = forms.CharField(max_length=160, initial="Quarterly review")
    period = forms.CharField(
        max_length=60, required=False, help_text="Optional: the period reviewed, e.g. “Q3 2026”."
    )
    review_date = forms.DateField(
        label="Date of the review", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, partner: Partner, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("review_date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["integration"].queryset = partner.integrations.order_by("name")
        _bootstrap(self)


class ActionForm(forms.Form):
    what = forms.CharField(
        required=False, max_length=500, label="Agreed action", widget=forms.TextInput()
    )
    owner = forms.ModelChoiceField(queryset=None, required=False, empty_label="No owner")
    due_on = forms.DateField(
        required=False, label="Due", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, owners=None, owner_choices=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        # The rows share one reading of the people (owner_choices), not one query each.
        self.fields["owner"].choices = owner_choices
        _bootstrap(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("what", "").strip() and (data.get("owner") or data.get("due_on")):
            self.add_error("what", "Say what the action is, or leave the row empty.")
        return data


ActionFormSet = forms.formset_factory(ActionForm, extra=NEW_ACTION_ROWS, max_num=20)


def owner_choices(owners) -> list[tuple[Any, str]]:
    return [("", "No owner"), *((person.pk, display_name(person)) for person in owners)]


def typed_actions(formset: forms.BaseFormSet) -> list[ActionInput]:
    """The filled rows of a valid formset, in order; empty rows are skipped."""
    return [
        ActionInput(what=data["what"].strip(), owner=data.get("owner"), due_on=data.get("due_on"))
        for data in formset.cleaned_data
        if data and data.get("what", "").strip()
    ]
