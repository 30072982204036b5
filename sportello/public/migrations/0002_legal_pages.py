from django.db import migrations


def install(apps, schema_editor):
    from sportello.public.legal_texts import install_legal_pages

    install_legal_pages(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [("public", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
