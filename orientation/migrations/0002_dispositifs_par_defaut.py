"""Default orientation programmes for the départements that existed before the orientation app
(new départements get them from the post_save receiver in orientation.signals)."""

from django.db import migrations

from orientation.models import DISPOSITIFS_PAR_DEFAUT


def seed(apps, schema_editor):
    Departement = apps.get_model("spie", "Departement")
    Dispositif = apps.get_model("orientation", "Dispositif")
    for departement in Departement.objects.all():
        for nom, type_orientation, description in DISPOSITIFS_PAR_DEFAUT:
            Dispositif.objects.get_or_create(
                departement=departement,
                nom=nom,
                defaults={"type_orientation": str(type_orientation), "description": description},
            )


class Migration(migrations.Migration):
    dependencies = [("orientation", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
