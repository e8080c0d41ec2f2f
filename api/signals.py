"""API tokens end with the access they were made under (see partners/signals.py and
partners.accounts.withdraw_access).

A changed or reset password, or a deactivated account, revokes every active
token of the person: someone who learned the old password cannot keep the
access they minted with it, and reactivating an account brings no token back.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from api.tokens import tokens_revoke_all_of
from partners.accounts import access_withdrawn


@receiver(access_withdrawn)
def _revoke_tokens(sender: Any, user_ids: list[int], reason: str, **kwargs: Any) -> None:
    tokens_revoke_all_of(user_ids)
