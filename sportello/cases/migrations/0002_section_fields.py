from django.db import migrations


def install(apps, schema_editor):
    from sportello.cases.section_catalogue import install_section_fields

    install_section_fields(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("services", "0002_milan_catalogue")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
