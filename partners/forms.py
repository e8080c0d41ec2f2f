"""Forms: field validation and rendering.  Saving is done by partners.services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from partners import history, services
from partners.models import (
    MAX_VERSION,
    Assessment,
    Integration,
    Partner,
    Party,
    SupportTerms,
    Team,
    ValueKind,
)
from partners.people import display_name
from partners.services import INTEGRATION_FIELDS, PARTNER_FIELDS
from scorecard import rubric, scoring


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: beside the field where it has one."""
    if isinstance(error, services.StaleVersionError) and isinstance(form, VersionedFormMixin):
        form.refuse_stale(error)
    elif hasattr(error, "error_dict"):
        for field, messages in error.error_dict.items():
            # A hidden field's error would not show: it goes above the form instead.
            shown = field in form.fields and not form.fields[field].widget.is_hidden
            form.add_error(field if shown else None, messages)
    else:
        form.add_error(None, error)


def save_form(request: HttpRequest, form, save: Callable[[], Model]) -> Model | None:
    """On a POST with a valid form, call ``save`` (a service call built from the form).

    Returns what was saved, or None while the form has errors (a service's
    ValidationError is shown beside its field, and the input stays in the form).
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save()
    except ValidationError as error:
        apply_service_errors(form, error)
        return None


class _CrispyForm(forms.ModelForm):
    """Crispy layout without its own <form> tag: templates supply the tag and buttons."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        # Hidden fields (a versioned form's version) are rendered after the layout.
        self.helper.render_hidden_fields = True


def stale_change_lines(stale: history.StaleChanges) -> list[str]:
    """The changes saved meanwhile as one line each: "Status: Building → Live"."""
    return [
        f"{change.label}: {_quoted(change.old)} → {_quoted(change.new)}"
        if change.old is not None
        else f"{change.label}: now {_quoted(change.new)}"
        for change in stale.changes
    ]


def _quoted(value: str) -> str:
    return value if value == history.EMPTY else f"“{value}”"


ALTERED_MESSAGE = "This form was altered outside the page. Reload it and make your changes again."


class VersionedFormMixin(forms.Form):
    """A form that carries, in a hidden ``version``, the version of the record it was opened on.

    The pages' edit forms and the admin's change forms both use it. The update
    service refuses the save when someone saved the record meanwhile;
    :func:`apply_service_errors` then calls :meth:`refuse_stale`, and ``stale``
    says what they changed (for the message above the form,
    templates/partials/_form_card.html). A new record carries no version: it
    has nothing to be stale against.
    """

    # Not required: a page opened before versions existed still saves (unchecked).
    # The column's range: a larger number could never be saved, so it is refused.
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_VERSION
    )

    stale: history.StaleChanges | None = None
    stale_message = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        opened = self.opened_version()
        if opened is None:
            del self.fields["version"]
        else:
            self.fields["version"].initial = opened

    def opened_version(self) -> int | None:
        """The version the form is opened on; None leaves the version out."""
        return self.instance.version if self.instance.pk is not None else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # A hidden field's own error would not be shown: say it at the top instead.
        if "version" in self._errors:
            del self._errors["version"]
            self.add_error(None, ALTERED_MESSAGE)
        return cleaned

    def edited_version(self) -> int | None:
        """The version the person started from, or None when the form did not say."""
        return self.cleaned_data.get("version")

    def record_fields(self) -> dict[str, Any]:
        """The record's fields from the form: the update service's keyword arguments."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}

    def refuse_stale(self, error: services.StaleVersionError) -> None:
        """Keep the person's input, say what changed, and carry the version saved now,
        so that saving again is a deliberate choice to replace those changes."""
        self.stale = error.stale
        self.stale_message = error.message
        data = self.data.copy()
        data[self.add_prefix("version")] = str(error.stale.current_version)
        self.data = data


class PartnerForm(VersionedFormMixin, _CrispyForm):
    website = forms.URLField(
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )

    class Meta:
        model = Partner
        fields = PARTNER_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "contacts": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            "name",
            "website",
            "description",
            Row(
                Column("platform_openness", css_class="col-md-6"),
                Column("relationship_status", css_class="col-md-6"),
            ),
            "contacts",
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        try:
            services.partner_check(Partner(pk=self.instance.pk, name=name))
        except ValidationError as error:
            raise ValidationError(error.message_dict["name"], code="duplicate") from error
        return name


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


class ValueKindsField(forms.TypedMultipleChoiceField):
    """What one side gets, as ticked boxes; kept in :class:`ValueKind`'s order."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ValueKind.choices, required=False, **kwargs)

    def to_python(self, value: Any) -> list[str]:
        # An empty value stands for no box ticked (browsers send nothing for that).
        return [item for item in super().to_python(value) if item != ""]

    def clean(self, value: Any) -> list[str]:
        chosen = set(super().clean(value))
        return [kind for kind in ValueKind.values if kind in chosen]


NOT_DECIDED = "Not decided"


class IntegrationForm(VersionedFormMixin, _CrispyForm):
    owner = OwnerChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("first_name", "username"),
        required=False,
        help_text=Integration._meta.get_field("owner").help_text,
    )
    partner_gets = ValueKindsField(
        label="What the partner gets",
        help_text="Leave all unticked while nobody has said.",
    )
    we_get = ValueKindsField(
        label="What we get",
        help_text="Leave all unticked while nobody has said.",
    )
    support_terms = forms.ChoiceField(
        label="Support terms",
        choices=[*SupportTerms.choices, ("", "Not agreed")],
        required=False,
        widget=forms.RadioSelect,
        help_text="An SLA is a written promise of response and repair times.",
    )
    api_notice_days = forms.IntegerField(
        label="Notice of API changes (days)",
        required=False,
        min_value=0,
        max_value=3650,
        error_messages={
            "invalid": "Enter a whole number of days, or leave it empty if none is agreed.",
            "min_value": "Enter 0 or more days, or leave it empty if none is agreed.",
            "max_value": "Enter at most 3650 days (ten years).",
        },
        help_text="Days' notice each side gives before changing its API. Empty: none agreed.",
    )

    class Meta:
        model = Integration
        fields = INTEGRATION_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "commitments": forms.Textarea(attrs={"rows": 3}),
            "intent": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        """``teams``: the teams the user may give integrations to (permissions decide)."""
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["team"].error_messages["invalid_choice"] = (
            "Choose one of your teams: you may add integrations only to teams in which you "
            "are a product manager."
        )
        for name in ("built_by", "hosted_by", "supported_by"):
            self.fields[name].choices = [("", NOT_DECIDED), *Party.choices]
        self.fields["api_notice_days"].widget.attrs["inputmode"] = "numeric"
        self.helper.layout = Layout(
            Row(
                Column("partner", css_class="col-md-6"),
                Column("name", css_class="col-md-6"),
            ),
            "description",
            Row(
                Column("team", css_class="col-md-4"),
                Column("owner", css_class="col-md-4"),
                Column("status", css_class="col-md-4"),
            ),
            Fieldset(
                "Incentive and intent",
                "incentive_model",
                "intent",
            ),
            Fieldset(
                "Value exchange and commitments",
                Row(
                    Column("partner_gets", css_class="col-md-6"),
                    Column("we_get", css_class="col-md-6"),
                ),
                Row(
                    Column("built_by", css_class="col-md-4"),
                    Column("hosted_by", css_class="col-md-4"),
                    Column("supported_by", css_class="col-md-4"),
                ),
                Row(
                    Column("support_terms", css_class="col-md-6"),
                    Column("api_notice_days", css_class="col-md-6"),
                ),
                "has_commitments",
                "commitments",
                css_id="value-exchange-fields",
            ),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # The service's rules run here, before ModelForm's _post_clean() checks the
        # model's constraints: Django reports the case-insensitive name constraint
        # (an expression) as a form-wide error, the service beside the name field.
        candidate = Integration(
            pk=self.instance.pk,
            **{f: cleaned[f] for f in ("partner", "name", "team", "owner") if f in cleaned},
        )
        try:
            services.integration_check(candidate)
        except ValidationError as error:
            apply_service_errors(self, error)
        return cleaned


class AssessmentForm(forms.Form):
    """One step per rubric category, an evidence note per category, an overall comment."""

    comment = forms.CharField(
        label="Overall comment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What changed since the last assessment, and why.",
    )

    def __init__(self, *args: Any, current: Assessment | None = None, **kwargs: Any) -> None:
        """``current``: the assessment to start from (its steps and evidence notes)."""
        if current is not None:
            notes = {f"{key}_note": text for key, text in current.notes.items()}
            kwargs["initial"] = {**current.steps, **notes, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        for category in rubric.CATEGORIES:
            self.fields[category.key] = forms.TypedChoiceField(
                label=category.name,
                choices=[(step.number, step.name) for step in category.steps],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose a step for {category.name}."},
            )
            self.fields[f"{category.key}_note"] = forms.CharField(
                label=f"Evidence for {category.name.lower()}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def categories(self) -> Iterator[tuple[rubric.Category, forms.BoundField, forms.BoundField]]:
        """(category, step field, note field) in execution order, for the template."""
        for category in rubric.CATEGORIES:
            yield category, self[category.key], self[f"{category.key}_note"]

    def steps(self) -> dict[str, int]:
        return {key: self.cleaned_data[key] for key in rubric.CATEGORY_KEYS}

    def notes(self) -> dict[str, str]:
        return {key: self.cleaned_data[f"{key}_note"] for key in rubric.CATEGORY_KEYS}

    def assessment_fields(self) -> dict[str, Any]:
        """The keyword arguments services.assessment_create takes from this form."""
        return {
            "steps": self.steps(),
            "notes": self.notes(),
            "comment": self.cleaned_data["comment"],
        }

    def score(self) -> scoring.Score | None:
        """The score the chosen steps give, once the form is valid."""
        return scoring.score(self.steps()) if self.is_valid() else None
