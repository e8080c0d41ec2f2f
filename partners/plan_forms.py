"""Forms of the plans page: each category's plan, and the integration's internal hurdles.

Saving is done by partners.plan_services and partners.hurdle_services; the
target rule lives in scorecard.planning (applied by plan_services), the
challenge/plan pair rule in CategoryPlan.clean().
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from math import ceil
from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Model

from partners import plan_services
from partners.forms import VersionedFormMixin, apply_service_errors
from partners.hurdle_services import HURDLE_FIELDS
from partners.models import MAX_VERSION, CategoryPlan, Hurdle, HurdleKind, PlanStatus, Sourcing
from partners.people import display_name
from partners.plan_services import PLAN_FIELDS, PlanFields
from scorecard import rubric

# One line each, shown where a kind is chosen: the rubric document's three kinds.
HURDLE_KIND_EXPLANATIONS = {
    HurdleKind.COGNITIVE: "People do not see why the integration matters or how it works.",
    HurdleKind.MOTIVATIONAL: "People see it, but other goals or incentives win.",
    HurdleKind.RESOURCE: "People want it, but lack the time, budget, skills or tools.",
}

# A textarea is as tall as its text (a line wraps at about this many characters in the
# narrowest box the page draws: half a card at 1366 px, or a phone), so a saved text is
# shown whole, never clipped behind a scroll bar.
_WRAP_AT = 45
_MIN_ROWS = 2


def _rows_for(text: str | None) -> int:
    lines = (text or "").replace("\r\n", "\n").split("\n")
    return max(_MIN_ROWS, sum(max(1, ceil(len(line) / _WRAP_AT)) for line in lines))


def _size_textareas(form: forms.BaseForm) -> None:
    """Give every textarea of ``form`` as many rows as its current text needs."""
    for name, field in form.fields.items():
        if isinstance(field.widget, forms.Textarea):
            value = form[name].value()
            field.widget.attrs["rows"] = _rows_for(value if isinstance(value, str) else "")


class PersonChoiceField(forms.ChoiceField):
    """Choose a person from a list read once (``people``); cleans to the user or None.

    Unlike ModelChoiceField it asks no query per form: the plans page has six
    forms offering the same people.
    """

    default_error_messages = {
        "invalid_choice": "Choose someone from the list: that person is not one of them.",
    }

    def __init__(self, *, people: Sequence[AbstractBaseUser] = (), **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.set_people(people)

    def set_people(self, people: Sequence[AbstractBaseUser]) -> None:
        self._by_pk = {str(person.pk): person for person in people}
        self.choices = [("", "No owner")] + [
            (pk, display_name(person)) for pk, person in self._by_pk.items()
        ]

    def prepare_value(self, value: Any) -> Any:
        return str(value.pk) if isinstance(value, Model) else value

    def valid_value(self, value: str) -> bool:
        return value in self._by_pk

    def clean(self, value: Any) -> AbstractBaseUser | None:
        value = super().clean(value)
        return self._by_pk.get(value) if value else None


def _number_field(label: str, *, digits: int, places: int, minimum: str, message: str, **kw):
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=digits,
        decimal_places=places,
        min_value=Decimal(minimum),
        error_messages={"invalid": message, "min_value": message},
        **kw,
    )


class _FormCheckedFields(forms.ModelForm):
    """A model form whose fields check themselves: the model's own check of them is skipped.

    Each choice and number field refuses a bad value beside itself, the person
    field checks against the people offered; checking them again as the model's
    constraints and foreign keys would be a query each, per category on the plans
    page. The model's clean() (the pair rules) still runs, and the service checks
    everything again before it saves.
    """

    def _get_validation_exclusions(self) -> set[str]:
        return super()._get_validation_exclusions() | set(self.fields)


class CategoryPlanForm(VersionedFormMixin, _FormCheckedFields):
    """One category's plan on the plans page; every field left empty means no plan.

    Its hidden ``version`` is that of the plan it was opened on, or
    ``plan_services.NO_PLAN`` when the category had none: the service writes only
    the categories that differ from what was opened, and refuses those saved
    by someone else meanwhile.
    """

    class Meta:
        model = CategoryPlan
        fields = PLAN_FIELDS
        widgets = {
            "target_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "challenge": forms.Textarea(),
            "plan": forms.Textarea(),
            "expected_value": forms.Textarea(),
        }

    # Unlike a partner's form, a category without a plan says so (NO_PLAN), so that
    # a plan someone else adds meanwhile is not overwritten by this form's first save.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        min_value=plan_services.NO_PLAN,
        max_value=MAX_VERSION,
    )
    owner = PersonChoiceField(help_text=CategoryPlan._meta.get_field("owner").help_text)
    effort_weeks = _number_field(
        "Effort (person-weeks)",
        digits=6,
        places=1,
        minimum="0.1",
        message="Enter the effort in person-weeks as a number above 0, e.g. 2.5.",
        help_text="The estimate for the next step.",
    )
    hourly_rate = _number_field(
        "Hourly rate",
        digits=8,
        places=2,
        minimum="0",
        message="Enter the hourly rate as a number, 0 or more, or leave it empty.",
        help_text="Optional: what an hour costs, so the cost is visible.",
    )

    def __init__(
        self,
        *args: Any,
        category: rubric.Category,
        people: Sequence[AbstractBaseUser] = (),
        current_step: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.category = category
        self.current_step = current_step
        self.fields["owner"].set_people(people)
        self.fields["target_step"] = forms.TypedChoiceField(
            label="Target step",
            choices=[("", "No target")]
            + [(step.number, f"{step.number} · {step.name}") for step in category.steps[1:]],
            coerce=int,
            empty_value=None,
            required=False,
            help_text="The step to reach; above the current one.",
        )
        self.fields["target_date"].label = "Target date"
        for name in ("challenge", "plan", "status", "sourcing"):
            self.fields[name].required = False
        _size_textareas(self)

    @property
    def current(self) -> rubric.Step | None:
        """The step the category is at now (None before the first rating)."""
        return self.category.step(self.current_step) if self.current_step else None

    @property
    def next(self) -> rubric.Step | None:
        """The step after the current one (None at the top, or before the first rating)."""
        step = self.current_step
        return self.category.step(step + 1) if step and step < rubric.MAX_STEP else None

    @property
    def open(self) -> bool:
        """Shown open: a saved plan, something typed in, or an error to read."""
        if self.errors or self.stale:
            return True
        if self.is_bound:
            return not (self.is_valid() and self.is_blank())
        return self.instance.pk is not None

    def opened_version(self) -> int:
        return self.instance.version if self.instance.pk else plan_services.NO_PLAN

    def clean_status(self) -> str:
        return self.cleaned_data.get("status") or PlanStatus.NOT_STARTED

    def clean_sourcing(self) -> str:
        return self.cleaned_data.get("sourcing") or Sourcing.IN_HOUSE

    def is_blank(self) -> bool:
        """Nothing filled in beyond the defaults: the category has no plan."""
        data = self.cleaned_data
        defaults = {"status": PlanStatus.NOT_STARTED, "sourcing": Sourcing.IN_HOUSE}
        return all(
            data.get(name) in (None, "", defaults.get(name)) for name in PLAN_FIELDS if name in data
        )

    def plan_fields(self) -> PlanFields | None:
        """What the service saves for this category: the plan's fields, or None for no plan."""
        if self.is_blank():
            return None
        return {name: self.cleaned_data[name] for name in PLAN_FIELDS}  # type: ignore[return-value]

    def validate_unique(self) -> None:
        # integration and category are not form fields; the service keeps one per category.
        pass


def plan_forms(
    data: Any,
    plans: dict[str, CategoryPlan],
    *,
    people: Sequence[AbstractBaseUser] = (),
    steps: dict[str, int] | None = None,
) -> list[CategoryPlanForm]:
    """The plans page's forms, one per rubric category, on ``data`` (None: unbound).

    ``people``: whom a plan's owner may be; ``steps``: the current steps (None: unrated).
    """
    return [_plan_form(data, category, plans, people, steps) for category in rubric.CATEGORIES]


def _plan_form(data, category, plans, people, steps) -> CategoryPlanForm:
    return CategoryPlanForm(
        data,
        prefix=category.key,
        instance=plans.get(category.key),
        category=category,
        people=people,
        current_step=(steps or {}).get(category.key),
    )


def refuse_plans(
    forms: list[CategoryPlanForm],
    error: plan_services.PlansNotSavedError,
    plans: dict[str, CategoryPlan],
    *,
    people: Sequence[AbstractBaseUser] = (),
    steps: dict[str, int] | None = None,
) -> list[CategoryPlanForm]:
    """The plans page after a refused save: each refused category with its message and
    the person's input, the untouched ones as saved now, the others as they were sent."""
    shown = []
    for form in forms:
        key = form.category.key
        if key in error.untouched:
            form = _plan_form(None, form.category, plans, people, steps)
        elif key in error.by_category:
            apply_service_errors(form, error.by_category[key])
        shown.append(form)
    return shown


# -- hurdles -------------------------------------------------------------------------------------


class HurdleForm(VersionedFormMixin, _FormCheckedFields):
    """Add or edit one internal hurdle; a new one has no version to be stale against."""

    class Meta:
        model = Hurdle
        fields = HURDLE_FIELDS
        widgets = {
            "kind": forms.RadioSelect(attrs={"class": "form-check-input"}),
            "description": forms.Textarea(),
            "mitigation": forms.Textarea(),
        }

    owner = PersonChoiceField(help_text=Hurdle._meta.get_field("owner").help_text)

    def __init__(self, *args: Any, people: Sequence[AbstractBaseUser] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].set_people(people)
        self.fields["kind"].choices = HurdleKind.choices  # no empty "------" radio
        self.fields["kind"].error_messages["required"] = "Choose the kind of hurdle."
        self.fields["description"].error_messages["required"] = "Describe the hurdle."
        if self.instance.pk is None:
            del self.fields["resolved"]  # a new hurdle is open
        _size_textareas(self)

    def clean_description(self) -> str:
        return self.cleaned_data["description"].strip()

    def kinds(self) -> list[tuple[forms.BoundField, str]]:
        """The kind's radio buttons, each with its one-line explanation."""
        return [
            (radio, HURDLE_KIND_EXPLANATIONS[HurdleKind(radio.data["value"])])
            for radio in self["kind"]
        ]


class HurdleVersionForm(forms.Form):
    """The version a hurdle's "mark resolved" or "delete" button was shown on."""

    version = forms.IntegerField(min_value=1, max_value=MAX_VERSION)


def people_ids(records: Iterable[Any]) -> set[int]:
    """The owners of ``records`` (plans or hurdles): kept choosable, even if not in the team."""
    return {record.owner_id for record in records if record.owner_id is not None}
