import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "admin1.json"


def load(apps, schema_editor):
    Area = apps.get_model("orgs", "Area")
    for row in json.loads(DATA.read_text(encoding="utf-8")):
        Area.objects.update_or_create(code=row["code"], defaults={
            "country": row["country"], "name": row["name"], "name_local": row["name_local"], "kind": row["kind"]})


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
