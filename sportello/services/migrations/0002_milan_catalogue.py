import json
from pathlib import Path

from django.db import migrations

CATALOGUE = Path(__file__).resolve().parent.parent / "catalogues" / "milano.json"


def install_milan(apps, schema_editor):
    from sportello.services.catalogue_loader import install_catalogue

    install_catalogue(json.loads(CATALOGUE.read_text(encoding="utf-8")), apps.get_model)


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [migrations.RunPython(install_milan, migrations.RunPython.noop)]
