from django.db import migrations


def install(apps, schema_editor):
    from sportello.triage.starting_lists import install_reasons

    install_reasons(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [("triage", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
