from django.db import migrations


def install(apps, schema_editor):
    from sportello.accounts.starting_lists import install_professions_and_languages

    install_professions_and_languages(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
