"""Background work of the surveys app: sending invitations and reminders after they are committed."""

from __future__ import annotations

import logging

from celery import shared_task

from .services import sending

log = logging.getLogger(__name__)


@shared_task(name="surveys.deliver_invitations")
def deliver_invitations(invitation_ids: list[int], base_url: str, reminder: bool) -> int:
    """Send each invitation's link; a failing gateway for one person does not stop the others (that
    invitation stays unsent and shows so on the survey's page). Safe to run twice."""
    sent = 0
    for pk in invitation_ids:
        try:
            sent += sending.deliver(invitation_id=pk, base_url=base_url, reminder=reminder)
        except Exception:  # noqa: BLE001 - one bad number or mailbox must not stop the rest
            log.exception("survey invitation %s not sent", pk)
    return sent
