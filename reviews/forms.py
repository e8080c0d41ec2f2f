"""Forms of the review-cycle pages: the cycle, its raters, and the agreed rating.

Ratings use the integration's own rating form (partners.forms.AssessmentForm);
saving goes through reviews.services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from partners.filters import IntegrationFilter
from partners.models import Integration
from partners.people import display_name
from reviews.models import MessagePreference, ReviewCycle, ScopeKind
from scorecard import cycles

# The dashboard filters a cycle's scope can use (not the sort order).
SCOPE_FILTERS = ("q", "team", "partner", "status", "band", "owner", "attention")


class DateInput(forms.DateInput):
    input_type = "date"


class CycleForm(forms.ModelForm):
    """A cycle's name, instructions, dates, reminders and repetition; the scope's kind."""

    picked = forms.ModelMultipleChoiceField(
        queryset=Integration.objects.none(),
        required=False,
        label="Integrations",
        help_text="Hold Ctrl (⌘ on a Mac) to pick several.",
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )

    class Meta:
        model = ReviewCycle
        fields = [
            "name",
            "instructions",
            "opens_on",
            "due_on",
            "remind_days_before",
            "repeat_every_months",
            "scope_kind",
        ]
        labels = {
            "opens_on": "Opens on",
            "due_on": "Due on",
            "remind_days_before": "Remind raters this many days before",
            "scope_kind": "Which integrations",
        }
        widgets = {
            "opens_on": DateInput(),
            "due_on": DateInput(),
            "instructions": forms.Textarea(attrs={"rows": 3}),
            "scope_kind": forms.RadioSelect,
            "remind_days_before": forms.NumberInput(
                attrs={"min": 0, "max": cycles.MAX_REMIND_DAYS_BEFORE}
            ),
        }

    def __init__(self, *args: Any, frozen: bool = False, **kwargs: Any) -> None:
        """``frozen``: the cycle has opened, so its scope cannot change (the fields go)."""
        super().__init__(*args, **kwargs)
        self.frozen = frozen
        if frozen:
            del self.fields["scope_kind"], self.fields["picked"]
        else:
            self.fields["picked"].queryset = Integration.objects.select_related("partner").order_by(
                "partner__name", "name"
            )
            self.fields["picked"].label_from_instance = lambda i: f"{i.name} ({i.partner.name})"
            if self.instance.pk:
                self.fields["picked"].initial = list(
                    self.instance.picked.values_list("pk", flat=True)
                )
        self.fields["remind_days_before"].widget.attrs.update(
            {"min": 0, "max": cycles.MAX_REMIND_DAYS_BEFORE}
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        opens_on, due_on = data.get("opens_on"), data.get("due_on")
        if opens_on and due_on and (message := cycles.check_cycle_dates(opens_on, due_on)):
            self.add_error("due_on", message)
        if (
            not self.frozen
            and data.get("scope_kind") == ScopeKind.PICKED
            and not data.get("picked")
        ):
            self.add_error("picked", "Pick at least one integration.")
        return data

    def cycle_fields(self) -> dict[str, Any]:
        """The keyword arguments reviews.services takes from this form."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}
        if not self.frozen:
            fields["picked"] = list(self.cleaned_data.get("picked") or [])
        return fields


def scope_query(filterset: IntegrationFilter) -> str:
    """The scope's filter as the query string the cycle keeps (the dashboard's, without sort)."""
    query = filterset.normalised_query()
    query.pop("sort", None)
    return query.urlencode()


class PersonForm(forms.Form):
    """Choose one active person (to rate, or to take a review over)."""

    rater = forms.ModelChoiceField(queryset=get_user_model().objects.none(), label="Person")

    def __init__(self, *args: Any, people, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rater"].queryset = people
        self.fields["rater"].label_from_instance = display_name


class MessagePreferenceForm(forms.ModelForm):
    class Meta:
        model = MessagePreference
        fields = ["review_reminders", "owner_digest", "lead_digest"]
        labels = {
            "review_reminders": "Reminders about reviews assigned to me",
            "owner_digest": "Weekly digest of the integrations I own",
            "lead_digest": "Weekly digest of review cycles (for partnership leads)",
        }

    def __init__(
        self, *args: Any, user: AbstractBaseUser, open_reviews: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.open_reviews = open_reviews
        if open_reviews:
            self.fields["review_reminders"].help_text = (
                f"You have {open_reviews} open review{'s' if open_reviews != 1 else ''}: "
                "reminders stay on until they are rated."
            )

    def clean_review_reminders(self) -> bool:
        wanted = self.cleaned_data["review_reminders"]
        if not wanted and self.open_reviews:
            raise forms.ValidationError(
                "Reminders cannot be turned off while reviews are assigned to you.",
                code="open_reviews",
            )
        return wanted
