from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from kasb.conftest import registration
from kasb.core.crypto import decrypt_text
from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.permissions import Role
from kasb.orgs.queries import principal_for_user
from kasb.participants.models import Consent, Participant, ProtectedAccess
from kasb.participants.services import log_protected_access, register_participant


def test_register_keeps_consent_and_encrypts(world: dict[str, Any], coordinator: Any) -> None:
    p = register_participant(actor=coordinator, partner=world["partner"],
                             data=registration(centre=world["irbid"]))
    fresh = Participant.objects.get(pk=p.pk)
    assert fresh.nationality == "SY" and fresh.phone == "+962791234567"
    assert fresh.disability == {"seeing": 1, "walking": 3}
    assert set(Consent.objects.filter(participant=p).values_list("purpose", flat=True)) == {
        "registration", "monitoring"}
    with connection.cursor() as cur:
        cur.execute("SELECT nationality, phone, date_of_birth, id_number FROM participants_participant")
        raw = cur.fetchone()
    # Each column holds a Fernet token (which starts "gAAAAA"), never the value itself. (Checking that "SY"
    # is absent would fail now and then: two letters turn up in random base64 by chance.)
    plain = ['"SY"', '"+962791234567"', '"2003-05-14"', '"945-00123456"']
    for value, text in zip(raw, plain, strict=True):
        assert value.startswith("gAAAAA") and text.strip('"') != value
        assert decrypt_text(value) == text


def test_validation_names_each_bad_field(world: dict[str, Any], coordinator: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        register_participant(actor=coordinator, partner=world["partner"], data=registration(
            centre=world["irbid"], sex="x", phone="12", nationality="ZZ", consent_registration=False))
    assert set(err.value.details) == {"sex", "phone", "nationality", "consent_registration"}
    assert Participant.objects.count() == 0


def test_duplicate_by_phone_or_name_and_birth_date(world: dict[str, Any], coordinator: Any) -> None:
    first = register_participant(actor=coordinator, partner=world["partner"], data=registration(centre=world["irbid"]))
    with pytest.raises(Conflict) as err:
        register_participant(actor=coordinator, partner=world["partner"],
                             data=registration(centre=world["irbid"], given_name="Other", family_name="Person"))
    assert first.reference in err.value.message
    with pytest.raises(Conflict):
        register_participant(actor=coordinator, partner=world["partner"],
                             data=registration(centre=world["irbid"], phone="+962797777777"))
    second = register_participant(actor=coordinator, partner=world["partner"],
                                  data=registration(centre=world["irbid"], phone="+962797777777"),
                                  allow_duplicate=True)
    assert second.pk != first.pk


def test_coordinator_cannot_register_at_another_centre(world: dict[str, Any], coordinator: Any) -> None:
    with pytest.raises(PermissionDenied):
        register_participant(actor=coordinator, partner=world["partner"], data=registration(centre=world["zaatari"]))


def test_trainer_cannot_see_protected(world: dict[str, Any], coordinator: Any, member: Any) -> None:
    p = register_participant(actor=coordinator, partner=world["partner"], data=registration(centre=world["irbid"]))
    trainer = principal_for_user(member(Role.TRAINER))
    with pytest.raises(PermissionDenied):
        log_protected_access(actor=trainer, participant=p, screen="test")
    log_protected_access(actor=coordinator, participant=p, screen="test")
    assert ProtectedAccess.objects.filter(participant=p, viewer=coordinator.user).count() == 1
