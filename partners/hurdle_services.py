"""Writes of internal hurdles: what inside our company threatens an integration's progress.

A hurdle has its own versions, like plans, so an edit opened before someone
else's save (or removal) is refused rather than overwriting it.
"""

from __future__ import annotations

from typing import TypedDict, Unpack

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from partners.models import Hurdle, Integration
from partners.services import claim_version, clean_fields, model_update


class HurdleFields(TypedDict, total=False):
    """What :func:`hurdle_create` and :func:`hurdle_update` write."""

    kind: str
    category: str
    description: str
    severity: str
    owner: AbstractBaseUser | None
    mitigation: str
    resolved: bool


HURDLE_FIELDS = tuple(HurdleFields.__annotations__)


def hurdle_create(
    *, integration: Integration, updated_by: AbstractBaseUser, **fields: Unpack[HurdleFields]
) -> Hurdle:
    """Record a hurdle of ``integration``; its fields are checked as the model defines them."""
    hurdle = Hurdle(integration=integration, updated_by=updated_by)
    model_update(hurdle, fields=fields, allowed=HURDLE_FIELDS)
    hurdle.description = hurdle.description.strip()
    clean_fields(hurdle)
    hurdle.save()
    return hurdle


def hurdle_update(
    *,
    hurdle: Hurdle,
    updated_by: AbstractBaseUser,
    expected_version: int | None = None,
    **changes: Unpack[HurdleFields],
) -> Hurdle:
    """Save ``changes`` if the hurdle is still at ``expected_version`` (None: as loaded).

    A save or a removal made meanwhile raises :class:`partners.services.StaleVersionError`.
    """
    expected = hurdle.version if expected_version is None else expected_version
    changed = model_update(hurdle, fields=changes, allowed=HURDLE_FIELDS)
    hurdle.description = hurdle.description.strip()
    hurdle.updated_by = updated_by
    clean_fields(hurdle)
    with transaction.atomic():
        claim_version(hurdle, expected)
        hurdle.save(update_fields=[*changed, "updated_by", "updated_at", "version"])
    return hurdle


def hurdle_delete(*, hurdle: Hurdle, expected_version: int | None = None) -> None:
    """Remove a hurdle recorded by mistake (an overcome one is marked resolved instead)."""
    expected = hurdle.version if expected_version is None else expected_version
    with transaction.atomic():
        claim_version(hurdle, expected)
        hurdle.delete()
