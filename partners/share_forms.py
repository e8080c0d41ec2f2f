"""Forms of partner links: making one, and the partner's own rating through one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms

from partners import share_services, share_tokens
from scorecard import rubric


class PartnerLinkForm(forms.Form):
    contact_name = forms.CharField(
        label="Contact's name",
        max_length=share_services.NAME_MAX_LENGTH,
        error_messages={"required": "Give the partner contact's name."},
    )
    contact_email = forms.EmailField(
        label="Contact's email",
        max_length=254,
        error_messages={
            "required": "Give the contact's email address.",
            "invalid": "Give the contact's email address, e.g. dana@partner.example.",
        },
        help_text="Kept with their answer. The app sends no mail: you send them the link.",
    )
    message = forms.CharField(
        label="Message to the contact (optional)",
        required=False,
        max_length=share_services.MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown above the rubric, e.g. why you ask and when you will talk it over.",
    )
    share_scorecard = forms.BooleanField(
        label="Show them our current scorecard",
        required=False,
        help_text="Our current step in each category, beside the rubric. Without it the page "
        "shows none of our ratings, notes, plans or people.",
    )
    days = forms.TypedChoiceField(
        label="Valid for",
        coerce=int,
        choices=[(n, f"{n} days") for n in (7, 14, 30, 60)],
        help_text="Until it is answered, withdrawn or this many days have passed.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default = share_tokens.default_days()
        choices = sorted({*(n for n, _ in self.fields["days"].choices), default})
        self.fields["days"].choices = [(n, f"{n} days") for n in choices]
        self.fields["days"].initial = default

    def link_fields(self) -> dict[str, Any]:
        """The keyword arguments share_services.partner_link_create takes from this form."""
        return dict(self.cleaned_data)


class PartnerViewForm(forms.Form):
    """The partner's rating: a step and an optional note per rubric category."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category in rubric.CATEGORIES:
            self.fields[category.key] = forms.TypedChoiceField(
                label=category.name,
                choices=[(step.number, step.name) for step in category.steps],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Choose a step for {category.name}.",
                    "invalid_choice": f"Choose one of the three steps for {category.name}.",
                },
            )
            self.fields[f"{category.key}_note"] = forms.CharField(
                label=f"Your note on {category.name.lower()} (optional)",
                required=False,
                max_length=share_services.NOTE_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def categories(self) -> Iterator[tuple[rubric.Category, forms.BoundField, forms.BoundField]]:
        for category in rubric.CATEGORIES:
            yield category, self[category.key], self[f"{category.key}_note"]

    def view_fields(self) -> dict[str, Any]:
        """The keyword arguments share_services.partner_view_submit takes from this form."""
        return {
            "steps": {key: self.cleaned_data[key] for key in rubric.CATEGORY_KEYS},
            "notes": {key: self.cleaned_data[f"{key}_note"] for key in rubric.CATEGORY_KEYS},
        }
