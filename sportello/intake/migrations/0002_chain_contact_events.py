"""Contact events become a hash-chained log: existing rows are chained in id order.

The contact reference loses its constraint and cascade: the trail outlives the contact."""

import django.db.models.deletion
from django.db import migrations, models

from sportello.privacy import hash_chain

# The fields of a contact event that the chain covers, as they are at this migration.
CONTENT = (
    "contact_id",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "from_status",
    "to_status",
    "detail",
)
LOG = "intake.contactevent"


def chain_existing_events(apps, schema_editor):
    ContactEvent = apps.get_model("intake", "ContactEvent")
    ChainHead = apps.get_model("privacy", "ChainHead")
    db = schema_editor.connection.alias
    seq, last_hash = 0, hash_chain.GENESIS
    for event in ContactEvent.objects.using(db).order_by("id").iterator(chunk_size=2000):
        seq += 1
        row_hash = hash_chain.row_hash(last_hash, {name: getattr(event, name) for name in CONTENT})
        ContactEvent.objects.using(db).filter(pk=event.pk).update(
            seq=seq, prev_hash=last_hash, row_hash=row_hash
        )
        last_hash = row_hash
    ChainHead.objects.using(db).update_or_create(
        log=LOG, defaults={"last_seq": seq, "last_hash": last_hash}
    )


def forget_chain_head(apps, schema_editor):
    ChainHead = apps.get_model("privacy", "ChainHead")
    ChainHead.objects.using(schema_editor.connection.alias).filter(log=LOG).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0001_initial"),
        ("privacy", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="contactevent",
            name="contact",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="events",
                to="intake.contact",
            ),
        ),
        migrations.AddField(
            model_name="contactevent",
            name="seq",
            field=models.BigIntegerField(null=True, editable=False),
        ),
        migrations.AddField(
            model_name="contactevent",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="contactevent",
            name="row_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_events, forget_chain_head),
        migrations.AlterField(
            model_name="contactevent",
            name="seq",
            field=models.BigIntegerField(
                editable=False, unique=True, verbose_name="numero progressivo"
            ),
        ),
    ]
