from django.db import migrations


def load(apps, schema_editor):
    """Load (or refresh the names of) the skills Kasb ships with; partners' own skills are left alone."""
    from kasb.skills.taxonomy import SKILLS

    Skill = apps.get_model("skills", "Skill")
    for code, category, names in SKILLS:
        Skill.objects.update_or_create(code=code, defaults={"category": category, "names": names})


class Migration(migrations.Migration):
    dependencies = [("skills", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
