"""Finding the participant a historical row is about: by registry reference, old id, or national/UNHCR id.

Only the importing partner's registry is searched, so a row naming another partner's participant is
refused as unknown (and says nothing about whether that person exists elsewhere). ID numbers are
encrypted, with no blind index, so they are decrypted for the partner's registry once per file, and
only when some row names someone by neither reference nor old id.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from kasb.orgs.models import Organisation
from kasb.participants.models import Participant

from .models import FormerId

CHUNK = 1000
AMBIGUOUS = -1


class ParticipantResolver:
    def __init__(self, *, partner: Organisation, keys: Iterable[str]) -> None:
        self.partner = partner
        wanted = sorted({k.strip() for k in keys if k and k.strip()})
        people = Participant.objects.filter(partner=partner)
        self.references: dict[str, int] = {}
        self.refs_by_id: dict[int, str] = {}
        upper = sorted({k.upper() for k in wanted})
        for start in range(0, len(upper), CHUNK):
            for pk, ref in people.filter(reference__in=upper[start:start + CHUNK]).values_list("pk", "reference"):
                self.references[ref] = pk
                self.refs_by_id[pk] = ref
        self.old_ids: dict[str, int] = {}
        for start in range(0, len(wanted), CHUNK):
            for old, pk in FormerId.objects.filter(partner=partner, old_id__in=wanted[start:start + CHUNK]
                                                   ).values_list("old_id", "participant_id"):
                self.old_ids[old] = pk
        rest = [k for k in wanted if k.upper() not in self.references and k not in self.old_ids]
        self.id_numbers: dict[str, int] = {}
        if rest:
            self._load_id_numbers(set(rest))

    def _load_id_numbers(self, rest: set[str]) -> None:
        people = Participant.objects.filter(partner=self.partner)
        for pk, number in people.values_list("pk", "id_number").iterator(chunk_size=2000):
            key = str(number or "").strip()
            if key in rest:
                self.id_numbers[key] = AMBIGUOUS if key in self.id_numbers else pk

    def find(self, key: str) -> tuple[int | None, str]:
        """(participant id, "") or (None, a reason a person can act on)."""
        key = key.strip()
        pk = self.references.get(key.upper()) or self.old_ids.get(key) or self.id_numbers.get(key)
        if pk == AMBIGUOUS:
            return None, _("“%(value)s” is the ID number of more than one participant; use their Kasb reference.") \
                % {"value": key}
        if pk is None:
            return None, _("“%(value)s” matches no participant in your registry (by Kasb reference, old id or "
                           "ID number).") % {"value": key}
        return pk, ""

    def reference_of(self, pk: int) -> str:
        if pk not in self.refs_by_id:
            self.refs_by_id[pk] = Participant.objects.filter(pk=pk).values_list("reference", flat=True).first() or ""
        return self.refs_by_id[pk]
