from django.db import migrations


def install(apps, schema_editor):
    from sportello.rota.default_shifts import install_shift_kinds

    ShiftKind = apps.get_model("rota", "ShiftKind")
    WeeklyHours = apps.get_model("services", "WeeklyHours")
    if ShiftKind.objects.exists():
        return
    install_shift_kinds(ShiftKind, WeeklyHours.objects.all())


class Migration(migrations.Migration):
    dependencies = [("rota", "0001_initial"), ("services", "0002_milan_catalogue")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
