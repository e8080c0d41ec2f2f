"""A new assessment of record counts for the cycle that asked for it, and tells the webhooks.

partners cannot know about cycles (it sits below this app), so this app listens
to its saves instead.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from partners.models import Assessment
from reviews import services


@receiver(post_save, sender=Assessment, dispatch_uid="reviews_count_assessment")
def _count_assessment(
    sender: Any, instance: Assessment, created: bool, raw: bool, **kwargs: Any
) -> None:
    if not created or raw:
        return
    services.count_assessment(instance)
    services.rating_saved_event(instance)
