"""Webhooks: a client's program is told when a batch of tasks or a whole project is finished.

An event is queued as one WebhookDelivery per subscribed webhook, inside the transaction that caused
it, and sent after commit; a periodic run (`kasb deliver_webhooks`, or the Celery task
`microwork.deliver_webhooks`) sends whatever is due. Each request is a JSON POST signed with the
webhook's secret:

    X-Kasb-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<unix time>." + body)>

with the event's name and id in X-Kasb-Event and X-Kasb-Event-Id (the receiver drops an id it has
seen: a delivery may arrive twice if the answer to the first was lost). A 2xx answer ends the
delivery; anything else is tried again after 1, 2, 4, 8, … minutes (at most 6 hours apart), and
given up after MAX_ATTEMPTS tries.

Only http(s) addresses are accepted, redirects are not followed, and addresses inside a private,
loopback or link-local network are refused at send time (KASB_WEBHOOK_ALLOW_PRIVATE turns that off
for a partner's own network, and for tests), so a webhook cannot be used to reach the servers
behind Kasb.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kasb.core import audit
from kasb.core.background import enqueue
from kasb.core.errors import NotFound, PermissionDenied, ValidationFailed
from kasb.core.permissions import Cap, Principal
from kasb.orgs.models import Organisation

from ..models import Project, Submission, Task, TaskUpload, Webhook, WebhookDelivery
from .results import client_ids, progress, staff_partner_ids

log = logging.getLogger(__name__)

EVENTS = {
    "batch.completed": gettext_lazy("Every task of a batch (one upload, or one API call adding tasks) has its "
                                    "answers and no answer waits for review"),
    "project.completed": gettext_lazy("Every task of the project has its answers and no answer waits for review"),
    "upload.done": gettext_lazy("A file of tasks was checked: tasks added, or problems found and nothing added"),
}
MAX_WEBHOOKS = 10                       # per client
MAX_ATTEMPTS = 10                       # about 8½ hours from the first try to the last
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
TIMEOUT = 10.0                          # seconds to connect, and to wait for the answer
IN_FLIGHT = timedelta(minutes=2)        # a claimed delivery whose sender died is tried again after this
SIGNATURE_TOLERANCE = 300               # seconds a receiver should accept between our clock and theirs
D = WebhookDelivery.Status


# --- registering ------------------------------------------------------------------------------------------

def _may_manage(actor: Principal, client: Organisation) -> None:
    if actor.is_superuser or client.pk in client_ids(actor):
        return
    if client.partner_id and client.partner_id in staff_partner_ids(actor, (Cap.MANAGE_PROJECTS,)):
        return
    raise PermissionDenied(_("You may not manage this client's webhooks."))


def check_url(url: str) -> str:
    """An http(s) address with a host; anything else is refused with a reason."""
    text = (url or "").strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationFailed(_("A webhook address must start with https:// (or http://)."), code="invalid_url",
                               field="url")
    try:
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        port_ok = False
    if not parts.hostname or not port_ok or parts.username or parts.password or len(text) > 200 \
            or any(ch.isspace() for ch in text):
        raise ValidationFailed(_("“%(url)s” is not a web address Kasb can send to.") % {"url": text[:200]},
                               code="invalid_url", field="url")
    return text


def _check_events(events: list[str]) -> list[str]:
    chosen = sorted(set(events or []))
    unknown = [e for e in chosen if e not in EVENTS]
    if not chosen or unknown:
        raise ValidationFailed(_("Choose events among %(events)s.") % {"events": ", ".join(sorted(EVENTS))},
                               code="invalid_events", field="events", details={"unknown": unknown[:10]})
    return chosen


@transaction.atomic
def register_webhook(*, actor: Principal, client: Organisation, url: str, events: list[str]) -> Webhook:
    """Subscribe `url` to `events` of `client`'s projects. The secret is in the answer: show it once."""
    _may_manage(actor, client)
    address, chosen = check_url(url), _check_events(events)
    if Webhook.objects.filter(client=client, is_active=True).count() >= MAX_WEBHOOKS:
        raise ValidationFailed(_("A client has at most %(n)s webhooks; remove one first.") % {"n": MAX_WEBHOOKS},
                               code="too_many_webhooks")
    webhook = Webhook.objects.create(client=client, url=address, events=chosen)
    audit.record(actor=actor.user, verb="webhook.registered", obj=webhook, url=address, events=chosen,
                 api_key=actor.api_key_id)
    return webhook


def webhooks_of(actor: Principal, client: Organisation) -> list[Webhook]:
    _may_manage(actor, client)
    return list(Webhook.objects.filter(client=client, is_active=True).order_by("pk"))


def webhook_for(actor: Principal, webhook_id: int) -> Webhook:
    """An active webhook `actor` may manage, or NotFound."""
    webhook = Webhook.objects.filter(pk=webhook_id, is_active=True).select_related("client").first()
    if webhook is None:
        raise NotFound(_("No such webhook."))
    try:
        _may_manage(actor, webhook.client)
    except PermissionDenied:
        raise NotFound(_("No such webhook.")) from None
    return webhook


@transaction.atomic
def remove_webhook(*, actor: Principal, webhook: Webhook) -> None:
    """Stop sending to the webhook. Deliveries already made stay on record; those waiting are dropped."""
    _may_manage(actor, webhook.client)
    Webhook.objects.filter(pk=webhook.pk).update(is_active=False)
    WebhookDelivery.objects.filter(webhook=webhook, status=D.PENDING).update(
        status=D.FAILED, last_error=_("The webhook was removed."))
    audit.record(actor=actor.user, verb="webhook.removed", obj=webhook, api_key=actor.api_key_id)


# --- queueing events ----------------------------------------------------------------------------------------

def event_id(webhook_id: int, key: str) -> str:
    """One id per event and webhook; the same `key` queued twice is the same delivery."""
    return "evt_" + hashlib.sha256(f"{webhook_id}:{key}".encode()).hexdigest()[:32]


def queue_event(*, client: Organisation | int, event: str, key: str, data: dict[str, Any],
                now: datetime | None = None) -> list[WebhookDelivery]:
    """Queue `event` for every active webhook of `client` that subscribed to it, once per `key`.

    Call it inside the transaction that caused the event: nothing is sent if that rolls back."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event}")
    client_id = client if isinstance(client, int) else client.pk
    moment = now or timezone.now()
    queued: list[WebhookDelivery] = []
    for webhook in Webhook.objects.filter(client_id=client_id, is_active=True).order_by("pk"):
        if event not in (webhook.events or []):
            continue
        try:
            with transaction.atomic():
                queued.append(WebhookDelivery.objects.create(
                    webhook=webhook, event=event, event_id=event_id(webhook.pk, key), next_attempt_at=moment,
                    payload={"event": event, "created_at": moment.isoformat(), "data": data}))
        except IntegrityError:
            continue  # queued before: the receiver gets it once
    if queued:  # send these now, after commit, rather than at the next periodic run
        enqueue(deliver_webhooks_task, False, [d.pk for d in queued])
    return queued


def _project_data(project: Project) -> dict[str, Any]:
    return {"project": {"id": project.pk, "name": project.name, "status": project.status},
            "progress": progress(project).as_dict(),
            "links": {"results": f"/api/v1/microwork/projects/{project.pk}/results",
                      "csv": f"/api/v1/microwork/projects/{project.pk}/results.csv",
                      "xlsx": f"/api/v1/microwork/projects/{project.pk}/results.xlsx"}}


def _subscribers(event: str) -> dict[int, list[int]]:
    """client id → ids of its active webhooks subscribed to `event`."""
    found: dict[int, list[int]] = {}
    for pk, client_id, events in Webhook.objects.filter(is_active=True).values_list("pk", "client_id", "events"):
        if event in (events or []):
            found.setdefault(client_id, []).append(pk)
    return found


def _told(webhook_ids: list[int], key: str) -> bool:
    """Whether every one of these webhooks has this event queued already (one query)."""
    return WebhookDelivery.objects.filter(event_id__in=[event_id(pk, key) for pk in webhook_ids]).count() \
        >= len(webhook_ids)


def _unfinished(tasks: QuerySet[Task], submissions: QuerySet[Submission]) -> bool:
    """Some task still needs answers, or some answer waits for a QA decision (two index lookups)."""
    return tasks.filter(status=Task.Status.OPEN).exists() or submissions.filter(
        status__in=(Submission.Status.PENDING, Submission.Status.APPEALED)).exists()


def notify_project_completed(*, project: Project) -> list[WebhookDelivery]:
    """Queue project.completed if every task is finished; once per size of the project (tasks added later
    and finished in turn make a new event)."""
    hooks = _subscribers("project.completed").get(project.client_id, [])
    tasks = Task.objects.filter(project=project)
    if not hooks or _unfinished(tasks, Submission.objects.filter(project=project)):
        return []
    count = tasks.count()
    key = f"project.completed:{project.pk}:{count}"
    if not count or _told(hooks, key):
        return []
    return queue_event(client=project.client_id, event="project.completed", key=key, data=_project_data(project))


def batch_tasks(upload: TaskUpload) -> QuerySet[Task] | None:
    """The tasks an upload added, or None while tasks do not record their upload (see docs/microwork.md)."""
    if not any(f.name == "upload" for f in Task._meta.get_fields()):
        return None
    return Task.objects.filter(**{"upload": upload})


def batch_finished(tasks: QuerySet[Task]) -> bool:
    """Whether every task of a batch has its answers and none of them waits for review."""
    return tasks.exists() and not _unfinished(tasks, Submission.objects.filter(task__in=tasks))


def notify_batch_completed(*, upload: TaskUpload, tasks: QuerySet[Task] | None = None) -> list[WebhookDelivery]:
    """Queue batch.completed if every task that `upload` added (one file, or one API call adding tasks) is
    finished. `tasks` defaults to the upload's own."""
    tasks = batch_tasks(upload) if tasks is None else tasks
    if tasks is None or upload.status != TaskUpload.Status.DONE or not batch_finished(tasks):
        return []
    project = upload.project
    data = _project_data(project)
    data["batch"] = {"upload_id": upload.pk, "file_name": upload.file_name, "tasks": tasks.count()}
    return queue_event(client=project.client_id, event="batch.completed", key=f"batch.completed:{upload.pk}",
                       data=data)


def notify_upload_done(*, upload: TaskUpload) -> list[WebhookDelivery]:
    """Queue upload.done when a file of tasks has been checked (added, or refused with its row errors)."""
    if upload.status not in (TaskUpload.Status.DONE, TaskUpload.Status.FAILED):
        return []
    project = upload.project
    data = {"project": {"id": project.pk, "name": project.name, "status": project.status},
            "upload": {"id": upload.pk, "file_name": upload.file_name, "status": upload.status,
                       "rows": upload.total_rows, "added": upload.added, "duplicates": upload.duplicates,
                       "errors": len(upload.errors or [])},
            "links": {"upload": f"/api/v1/microwork/projects/{project.pk}/uploads/{upload.pk}"}}
    return queue_event(client=project.client_id, event="upload.done", key=f"upload.done:{upload.pk}", data=data)


LIVE = (Project.Status.PUBLISHED, Project.Status.PAUSED, Project.Status.COMPLETED)
UPLOAD_NEWS = timedelta(days=2)  # upload.done is news for this long; later it is not sent at all


def sweep_events(*, limit: int = 200, now: datetime | None = None) -> int:
    """Queue the events whose moment has come and that nobody queued (a project or batch finishes through many
    small steps; this catches every one of them). Each event is queued once per key, so this is safe to run
    often and on several machines. Returns how many deliveries were queued."""
    moment = now or timezone.now()
    queued = 0
    clients = _subscribers("project.completed")
    for project in Project.objects.filter(client_id__in=clients, status__in=LIVE).order_by("-pk")[:limit]:
        with transaction.atomic():
            queued += len(notify_project_completed(project=project))
    clients = _subscribers("batch.completed")
    uploads = TaskUpload.objects.filter(project__client_id__in=clients, project__status__in=LIVE,
                                        status=TaskUpload.Status.DONE, added__gt=0).select_related("project")
    for upload in uploads.order_by("-pk")[:limit]:
        if not _told(clients[upload.project.client_id], f"batch.completed:{upload.pk}"):
            with transaction.atomic():
                queued += len(notify_batch_completed(upload=upload))
    clients = _subscribers("upload.done")
    recent = TaskUpload.objects.filter(project__client_id__in=clients, finished_at__gte=moment - UPLOAD_NEWS,
                                       status__in=(TaskUpload.Status.DONE, TaskUpload.Status.FAILED))
    for upload in recent.select_related("project").order_by("-pk")[:limit]:
        if not _told(clients[upload.project.client_id], f"upload.done:{upload.pk}"):
            with transaction.atomic():
                queued += len(notify_upload_done(upload=upload))
    return queued


# --- signing ---------------------------------------------------------------------------------------------

def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(*, secret: str, header: str, body: bytes, now: float | None = None,
                     tolerance: int = SIGNATURE_TOLERANCE) -> bool:
    """What a receiver does (see docs/microwork.md): the header's HMAC matches, and its time is recent."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields.get("t", ""))
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def body_of(delivery: WebhookDelivery) -> bytes:
    """The bytes sent, the same on every attempt (only the signature's time changes)."""
    payload = {"id": delivery.event_id, **delivery.payload}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


# --- sending ---------------------------------------------------------------------------------------------

class DeliveryError(Exception):
    pass


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int) -> str:
    """The address to connect to; refused if it is inside a private network (unless allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DeliveryError(f"cannot resolve {host}: {exc}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not getattr(settings, "KASB_WEBHOOK_ALLOW_PRIVATE", False) and not all(_public(a) for a in addresses):
        raise DeliveryError(f"{host} is a private or local address; not sent")
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address checked above, not to whatever the name resolves to a moment later."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT) -> int:
    """POST `body` to `url`; the status of the answer. Raises DeliveryError when there is no answer."""
    parts = urlsplit(url)
    secure = parts.scheme.lower() == "https"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise DeliveryError("only http and https addresses are sent to")
    port = parts.port or (443 if secure else 80)
    address = _resolve(parts.hostname, port)
    connection: http.client.HTTPConnection = (_PinnedHTTPS if secure else _PinnedHTTP)(
        parts.hostname, port, address=address, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(4096)
        return response.status
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
    finally:
        connection.close()


def headers_for(delivery: WebhookDelivery, secret: str, body: bytes, attempt: int,
                timestamp: int | None = None) -> dict[str, str]:
    moment = int(time.time()) if timestamp is None else timestamp
    return {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Kasb-Webhooks/1",
            "X-Kasb-Event": delivery.event, "X-Kasb-Event-Id": delivery.event_id,
            "X-Kasb-Timestamp": str(moment), "X-Kasb-Attempt": str(attempt),
            "X-Kasb-Signature": signature(secret, moment, body)}


def _claim(pk: int, attempts: int, moment: datetime) -> bool:
    """Take one due delivery for this sender (a conditional update: two senders never send it at once)."""
    return bool(WebhookDelivery.objects.filter(pk=pk, status=D.PENDING, attempts=attempts,
                                               next_attempt_at__lte=moment)
                .update(attempts=attempts + 1, next_attempt_at=moment + IN_FLIGHT))


def _finish(delivery: WebhookDelivery, attempt: int, error: str, moment: datetime) -> str:
    rows = WebhookDelivery.objects.filter(pk=delivery.pk, status=D.PENDING, attempts=attempt)
    if not error:
        rows.update(status=D.DELIVERED, next_attempt_at=None, last_error="")
        return D.DELIVERED
    if attempt >= MAX_ATTEMPTS:
        rows.update(status=D.FAILED, next_attempt_at=None, last_error=error[:300])
        log.warning("webhook delivery %s given up after %s attempts: %s", delivery.event_id, attempt, error)
        return D.FAILED
    rows.update(next_attempt_at=moment + backoff(attempt), last_error=error[:300])
    return D.PENDING


def send(delivery: WebhookDelivery, *, now: datetime | None = None) -> str:
    """One attempt at a claimed delivery; records the outcome and returns the new status."""
    attempt = delivery.attempts
    webhook = delivery.webhook
    if not webhook.is_active:
        WebhookDelivery.objects.filter(pk=delivery.pk, status=D.PENDING).update(
            status=D.FAILED, next_attempt_at=None, last_error=_("The webhook was removed."))
        return D.FAILED
    body = body_of(delivery)
    try:
        status = post(webhook.url, body, headers_for(delivery, webhook.secret, body, attempt))
        error = "" if 200 <= status < 300 else f"HTTP {status}"
    except DeliveryError as exc:
        error = str(exc)
    return _finish(delivery, attempt, error, now or timezone.now())


@dataclass
class Sent:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_due(*, now: datetime | None = None, limit: int = 100, only: list[int] | None = None) -> Sent:
    """Send every delivery that is due (at most `limit`; of `only` these ids if given), each once, outside any
    transaction."""
    moment = now or timezone.now()
    sent = Sent()
    due_qs = WebhookDelivery.objects.filter(status=D.PENDING, next_attempt_at__lte=moment)
    if only is not None:
        due_qs = due_qs.filter(pk__in=only[:limit])
    due = list(due_qs.order_by("next_attempt_at", "pk").values_list("pk", "attempts")[:limit])
    for pk, attempts in due:
        if not _claim(pk, attempts, moment):
            continue  # another sender has it
        delivery = WebhookDelivery.objects.select_related("webhook").get(pk=pk)
        outcome = send(delivery, now=now)
        if outcome == D.DELIVERED:
            sent.delivered += 1
        elif outcome == D.FAILED:
            sent.failed += 1
        else:
            sent.retrying += 1
    return sent


@shared_task(name="microwork.deliver_webhooks")
def deliver_webhooks_task(sweep: bool = True, delivery_ids: list[int] | None = None) -> dict[str, int]:
    """Periodically: queue the events whose moment has come and send every delivery that is due. After a
    commit: send the deliveries just queued (`delivery_ids`). Safe to run at any time, and twice at once."""
    if sweep:
        sweep_events()
    sent = deliver_due(only=delivery_ids)
    return {"delivered": sent.delivered, "retrying": sent.retrying, "failed": sent.failed}
