"""Webhooks: signed deliveries to a local receiver, retries that back off and stop, exactly one success,
http(s) addresses only, private addresses refused, completion events queued once."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from kasb.core.errors import NotFound, PermissionDenied, ValidationFailed
from kasb.core.permissions import Principal
from kasb.microwork.models import Project, Submission, Task, TaskUpload, Webhook, WebhookDelivery
from kasb.microwork.services import webhooks
from kasb.microwork.services.work import claim_next_task, submit_work
from kasb.orgs.queries import principal_for_user
from kasb.orgs.services import create_organisation

D = WebhookDelivery.Status


class Receiver:
    """An HTTP server on 127.0.0.1 that answers with the next status in `statuses` (then the last one)."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                n = len(receiver.requests) - 1
                status = receiver.statuses[min(n, len(receiver.statuses) - 1)]
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/kasb?source=test"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings: Any) -> Iterator[Callable[..., Receiver]]:
    settings.KASB_WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on loopback
    made: list[Receiver] = []

    def make(*statuses: int) -> Receiver:
        made.append(Receiver(list(statuses) or [200]))
        return made[-1]
    yield make
    for r in made:
        r.close()


@pytest.fixture
def client_member(member: Callable[..., Any]) -> Principal:
    return principal_for_user(member("client_member"))


def hook(actor: Principal, world: dict[str, Any], url: str,
         events: tuple[str, ...] = ("project.completed", "batch.completed")) -> Webhook:
    return webhooks.register_webhook(actor=actor, client=world["client"], url=url, events=list(events))


def queue(world: dict[str, Any], key: str = "k1") -> WebhookDelivery:
    (delivery,) = webhooks.queue_event(client=world["client"], event="project.completed", key=key,
                                       data={"project": {"id": 1}})
    return delivery


# --- signing ---------------------------------------------------------------------------------------------

def test_signature_verifies_with_the_secret_and_fails_with_another(receiver: Any, client_member: Principal,
                                                                   world: dict[str, Any]) -> None:
    r = receiver(200)
    webhook = hook(client_member, world, r.url)
    delivery = queue(world)
    assert webhooks.deliver_due().delivered == 1
    (request,) = r.requests
    headers, body = request["headers"], request["body"]
    assert request["path"] == "/hooks/kasb?source=test"
    assert headers["X-Kasb-Event"] == "project.completed"
    assert headers["X-Kasb-Event-Id"] == delivery.event_id
    assert json.loads(body)["id"] == delivery.event_id and json.loads(body)["data"] == {"project": {"id": 1}}
    signature = headers["X-Kasb-Signature"]
    assert signature.startswith(f"t={headers['X-Kasb-Timestamp']},v1=")
    assert webhooks.verify_signature(secret=webhook.secret, header=signature, body=body)
    assert not webhooks.verify_signature(secret="another-secret", header=signature, body=body)
    assert not webhooks.verify_signature(secret=webhook.secret, header=signature, body=body + b" ")
    # A replay long after the signature's time is refused too.
    later = int(headers["X-Kasb-Timestamp"]) + webhooks.SIGNATURE_TOLERANCE + 1
    assert not webhooks.verify_signature(secret=webhook.secret, header=signature, body=body, now=later)


# --- retries ---------------------------------------------------------------------------------------------

def test_retries_back_off_exponentially_and_stop(receiver: Any, client_member: Principal,
                                                 world: dict[str, Any]) -> None:
    r = receiver(500)
    hook(client_member, world, r.url)
    delivery = queue(world)
    moment = timezone.now()
    waits = []
    for attempt in range(1, webhooks.MAX_ATTEMPTS + 1):
        assert webhooks.deliver_due(now=moment - timedelta(seconds=1)).delivered == 0  # not yet due: nothing sent
        assert len(r.requests) == attempt - 1
        webhooks.deliver_due(now=moment)
        assert len(r.requests) == attempt
        delivery.refresh_from_db()
        assert delivery.attempts == attempt and delivery.last_error == "HTTP 500"
        if attempt < webhooks.MAX_ATTEMPTS:
            assert delivery.status == D.PENDING
            assert delivery.next_attempt_at is not None
            waits.append(delivery.next_attempt_at - moment)
            moment = delivery.next_attempt_at
    assert delivery.status == D.FAILED and delivery.next_attempt_at is None
    assert waits[:4] == [timedelta(minutes=n) for n in (1, 2, 4, 8)]
    assert all(later >= earlier for earlier, later in zip(waits, waits[1:], strict=False))
    assert max(waits) <= webhooks.BACKOFF_CAP
    webhooks.deliver_due(now=moment + timedelta(days=7))
    assert len(r.requests) == webhooks.MAX_ATTEMPTS  # given up: never sent again
    # Every attempt carried the same event and the same body.
    assert {req["headers"]["X-Kasb-Event-Id"] for req in r.requests} == {delivery.event_id}
    assert len({req["body"] for req in r.requests}) == 1


def test_a_failing_receiver_that_recovers_gets_exactly_one_delivery_marked_delivered(
        receiver: Any, client_member: Principal, world: dict[str, Any]) -> None:
    r = receiver(503, 500, 200)
    hook(client_member, world, r.url)
    delivery = queue(world)
    moment = timezone.now()
    for _ in range(6):
        webhooks.deliver_due(now=moment)
        moment += timedelta(hours=7)
    delivery.refresh_from_db()
    assert delivery.status == D.DELIVERED and delivery.attempts == 3 and delivery.last_error == ""
    assert [req["headers"]["X-Kasb-Attempt"] for req in r.requests] == ["1", "2", "3"]
    assert WebhookDelivery.objects.filter(status=D.DELIVERED).count() == 1


def test_the_same_event_queued_twice_is_one_delivery(receiver: Any, client_member: Principal,
                                                     world: dict[str, Any]) -> None:
    r = receiver(200)
    hook(client_member, world, r.url)
    queue(world, key="same")
    assert webhooks.queue_event(client=world["client"], event="project.completed", key="same", data={}) == []
    webhooks.deliver_due()
    webhooks.deliver_due()
    assert len(r.requests) == 1


def test_a_delivery_is_claimed_by_one_sender_only(receiver: Any, client_member: Principal,
                                                  world: dict[str, Any]) -> None:
    hook(client_member, world, receiver(200).url)
    delivery = queue(world)
    moment = timezone.now()
    assert webhooks._claim(delivery.pk, 0, moment)
    assert not webhooks._claim(delivery.pk, 0, moment)  # a second sender that read the same row gets nothing


def test_an_unreachable_receiver_is_retried(receiver: Any, client_member: Principal, world: dict[str, Any]) -> None:
    r = receiver(200)
    url = r.url
    r.close()  # nothing listens there any more
    hook(client_member, world, url)
    delivery = queue(world)
    assert webhooks.deliver_due().retrying == 1
    delivery.refresh_from_db()
    assert delivery.status == D.PENDING and delivery.attempts == 1 and delivery.last_error


# --- addresses -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["ftp://example.org/hook", "file:///etc/passwd", "javascript:alert(1)",
                                 "gopher://127.0.0.1:6379/_FLUSHALL", "https://", "example.org/hook",
                                 "https://user:pass@example.org/", "https://exa mple.org/"])
def test_only_http_and_https_addresses_are_accepted(url: str, client_member: Principal,
                                                    world: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as error:
        hook(client_member, world, url)
    assert error.value.field == "url"
    assert not Webhook.objects.exists()


def test_unknown_events_are_refused(client_member: Principal, world: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as error:
        hook(client_member, world, "https://example.org/h", events=("project.completed", "everything"))
    assert error.value.details == {"unknown": ["everything"]}


def test_private_and_loopback_addresses_are_refused_when_sending(receiver: Any, settings: Any,
                                                                 client_member: Principal,
                                                                 world: dict[str, Any]) -> None:
    r = receiver(200)
    settings.KASB_WEBHOOK_ALLOW_PRIVATE = False
    hook(client_member, world, r.url)
    delivery = queue(world)
    webhooks.deliver_due()
    delivery.refresh_from_db()
    assert r.requests == [] and "private or local" in delivery.last_error
    for address in ("10.1.2.3", "169.254.169.254", "::1", "::ffff:127.0.0.1", "192.168.0.1"):
        assert not webhooks._public(address)
    assert webhooks._public("8.8.8.8")


# --- who manages webhooks -------------------------------------------------------------------------------------

def test_another_client_cannot_see_or_remove_a_webhook(root: Principal, client_member: Principal,
                                                       member: Callable[..., Any], world: dict[str, Any]) -> None:
    other = create_organisation(actor=root, kind="client", name="Other Co", country="JO", parent=world["partner"])
    webhook = hook(client_member, world, "https://example.org/h")
    outsider = principal_for_user(member("client_member", "client"))  # same client: allowed
    assert webhooks.webhook_for(outsider, webhook.pk) == webhook
    world["other_client"] = other
    stranger = principal_for_user(member("client_member", "other_client"))
    with pytest.raises(NotFound):
        webhooks.webhook_for(stranger, webhook.pk)
    with pytest.raises(PermissionDenied):
        webhooks.register_webhook(actor=stranger, client=world["client"], url="https://evil.example/", events=[
            "project.completed"])
    manager = principal_for_user(member("programme_manager"))  # the partner's staff manage its clients' hooks
    assert webhooks.webhooks_of(manager, world["client"]) == [webhook]


def test_removing_a_webhook_drops_what_waits(receiver: Any, client_member: Principal, world: dict[str, Any]) -> None:
    r = receiver(200)
    webhook = hook(client_member, world, r.url)
    delivery = queue(world)
    webhooks.remove_webhook(actor=client_member, webhook=webhook)
    webhooks.deliver_due()
    delivery.refresh_from_db()
    assert r.requests == [] and delivery.status == D.FAILED
    assert webhooks.queue_event(client=world["client"], event="project.completed", key="new", data={}) == []


# --- completion events ------------------------------------------------------------------------------------------

def finish_every_task(project: Project, workers: list[Any]) -> None:
    for n, worker in enumerate(workers):
        for _ in range(project.tasks.count()):
            try:
                lease = claim_next_task(worker=worker, project=project)
            except Exception:  # noqa: BLE001 - no more tasks for this worker
                break
            submit_work(worker=worker, assignment_id=lease.pk, client_key=f"{n}-{lease.pk}",
                        answers={"total": "1", "kind": "receipt"})


def test_project_completed_is_queued_once_when_every_answer_is_in_and_reviewed(
        receiver: Any, client_member: Principal, world: dict[str, Any], make_project: Any, make_workers: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    r = receiver(200)
    hook(client_member, world, r.url)
    project = make_project(tasks=2, overlap=1)
    (worker,) = make_workers(1)
    assert webhooks.notify_project_completed(project=project) == []  # tasks still open
    finish_every_task(project, [worker])
    assert webhooks.notify_project_completed(project=project) == []  # answers wait for review
    Submission.objects.filter(project=project).update(status=Submission.Status.APPROVED)
    waiting = queue(world, key="an older event")  # due too, but left to the periodic run
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = webhooks.notify_project_completed(project=project)
    assert len(r.requests) == 1  # sent right after commit: this event only
    assert r.requests[0]["headers"]["X-Kasb-Event-Id"] == delivery.event_id
    waiting.refresh_from_db()
    assert waiting.status == D.PENDING and waiting.attempts == 0
    webhooks.deliver_due()
    assert len(r.requests) == 2
    data = json.loads(r.requests[0]["body"])["data"]
    assert data["project"]["id"] == project.pk and data["progress"]["finished"] is True
    assert data["links"]["csv"].endswith(f"/projects/{project.pk}/results.csv")
    assert webhooks.notify_project_completed(project=project) == []
    assert webhooks.sweep_events() == 0
    assert WebhookDelivery.objects.filter(event_id=delivery.event_id).count() == 1


def test_the_periodic_run_catches_a_completion_that_was_missed(receiver: Any, client_member: Principal,
                                                               world: dict[str, Any], make_project: Any,
                                                               make_workers: Any) -> None:
    r = receiver(200)
    hook(client_member, world, r.url)
    project = make_project(tasks=1)
    finish_every_task(project, make_workers(1))
    Submission.objects.filter(project=project).update(status=Submission.Status.APPROVED)
    call_command("deliver_webhooks", verbosity=0)
    assert len(r.requests) == 1 and json.loads(r.requests[0]["body"])["event"] == "project.completed"
    call_command("deliver_webhooks", verbosity=0)
    assert len(r.requests) == 1


def test_batch_completed_names_the_batch(receiver: Any, client_member: Principal, world: dict[str, Any],
                                         make_project: Any) -> None:
    r = receiver(200)
    hook(client_member, world, r.url, events=("batch.completed",))
    project = make_project(tasks=3)
    upload = TaskUpload.objects.create(project=project, file_name="march.csv", status=TaskUpload.Status.DONE,
                                       added=2, file="microwork/uploads/march.csv")
    batch = Task.objects.filter(project=project, external_id__in=["t0", "t1"])
    assert webhooks.notify_batch_completed(upload=upload, tasks=batch) == []
    Task.objects.filter(pk__in=batch.values("pk")).update(status=Task.Status.COMPLETE, filled=1)
    (delivery,) = webhooks.notify_batch_completed(upload=upload, tasks=batch)
    assert delivery.payload["data"]["batch"] == {"upload_id": upload.pk, "file_name": "march.csv", "tasks": 2}
    assert webhooks.notify_batch_completed(upload=upload, tasks=batch) == []
    assert webhooks.notify_project_completed(project=project) == []  # t2 is still open; not subscribed anyway
    webhooks.deliver_due()
    assert len(r.requests) == 1


def test_upload_done_is_sent_once_by_the_periodic_run(receiver: Any, client_member: Principal,
                                                      world: dict[str, Any], make_project: Any) -> None:
    r = receiver(200)
    hook(client_member, world, r.url, events=("upload.done",))
    project = make_project(tasks=1)
    upload = TaskUpload.objects.create(project=project, file_name="bad.csv", status=TaskUpload.Status.FAILED,
                                       total_rows=3, errors=[{"row": 2, "column": "external_id", "reason": "x"}],
                                       finished_at=timezone.now(), file="microwork/uploads/bad.csv")
    call_command("deliver_webhooks", verbosity=0)
    call_command("deliver_webhooks", verbosity=0)
    (request,) = r.requests
    data = json.loads(request["body"])["data"]
    assert data["upload"] == {"id": upload.pk, "file_name": "bad.csv", "status": "failed", "rows": 3, "added": 0,
                              "duplicates": 0, "errors": 1}
