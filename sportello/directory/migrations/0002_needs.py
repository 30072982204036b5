from django.db import migrations


def install(apps, schema_editor):
    from sportello.directory.needs import install_needs

    install_needs(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
