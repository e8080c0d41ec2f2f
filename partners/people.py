"""How a person is named on pages, in messages, exports and history: one rule.

A person is shown by their full name, else by their username. The rule has a
Python spelling for a user at hand and an SQL spelling for lists that sort or
label people in the database; tests/partners/test_people.py keeps the two in
agreement.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Func, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim


def display_name(user: AbstractBaseUser | None) -> str:
    """The user's full name, else their username; "" for no user."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def display_name_sql(prefix: str = "") -> Func:
    """:func:`display_name` as an SQL expression over the user at ``prefix``
    (``"owner__"`` for an integration's owner, ``""`` for a user QuerySet).

    ``get_full_name()`` joins the names with a space and strips the ends; a
    blank result falls back to the username, as NULLIF and COALESCE do here.
    """
    full_name = Trim(Concat(f"{prefix}first_name", Value(" "), f"{prefix}last_name"))
    return Coalesce(NullIf(full_name, Value("")), f"{prefix}username")
