from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kasb.orgs.models import Organisation

from .models import RecordType


class ImportForm(forms.Form):
    record_type = forms.ChoiceField(label=_("The file holds"), choices=RecordType.choices)
    file = forms.FileField(label=_("Spreadsheet (.xlsx or .csv)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}))
    partner = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    import_valid_rows = forms.BooleanField(
        label=_("If some rows have errors, import the valid rows and give me a file of the others"),
        required=False)

    def __init__(self, *args: Any, partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["partner"]
        field.queryset = partners  # type: ignore[attr-defined]
        listed = list(partners[:2])
        if len(listed) == 1:  # most people import for one organisation: no need to ask
            field.initial = listed[0].pk
            field.widget = forms.HiddenInput()
