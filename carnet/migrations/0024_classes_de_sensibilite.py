"""The sensitivity classes (carnet.sensibilite): général, santé, famille, justice, protection de l'enfance, privé.

Themes: the boolean `sensible` becomes a class (santé → santé, contraintes familiales → famille, any other
sensitive theme of a département's own data → famille, the others → générale).
Notes, documents and timeline events: the former "restreinte" class (read by the référent and the author) becomes
- for an event about a situation, an axe, an objective or an action: the class of its theme;
- for anything else (notes, documents, sanction steps, identity corrections): "justice", the class read by the
  same people (the référent and the author), so that nobody reads more or less than before.
Backwards, every class but générale and privée becomes "restreinte" again. The timeline is append-only: its
trigger lets this one migration through with the transaction-local flag of migration 0021.
"""

from django.db import migrations, models


def themes_vers_classes(apps, schema_editor):
    Theme = apps.get_model("carnet", "Theme")
    for theme in Theme.objects.filter(sensible=True):
        theme.sensibilite = "sante" if theme.code == "sante" else "famille"
        theme.save(update_fields=["sensibilite"])


def classes_vers_themes(apps, schema_editor):
    Theme = apps.get_model("carnet", "Theme")
    Theme.objects.exclude(sensibilite="generale").update(sensible=True)


ELEMENTS_VERS_CLASSES = """
SELECT set_config('spie.anonymisation', 'on', true);
UPDATE carnet_note SET sensibilite = 'justice' WHERE sensibilite = 'restreinte';
UPDATE carnet_document SET sensibilite = 'justice' WHERE sensibilite = 'restreinte';
UPDATE carnet_evenement e SET sensibilite = t.sensibilite
  FROM carnet_situationconstatee sc JOIN carnet_situation s ON s.id = sc.situation_id
  JOIN carnet_theme t ON t.id = s.theme_id
 WHERE e.sensibilite = 'restreinte' AND e.object_uid = sc.uid AND t.sensibilite <> 'generale';
UPDATE carnet_evenement e SET sensibilite = t.sensibilite
  FROM carnet_axedetravail a JOIN carnet_theme t ON t.id = a.theme_id
 WHERE e.sensibilite = 'restreinte' AND e.object_uid = a.uid AND t.sensibilite <> 'generale';
UPDATE carnet_evenement e SET sensibilite = t.sensibilite
  FROM carnet_objectif o JOIN carnet_axedetravail a ON a.id = o.axe_id JOIN carnet_theme t ON t.id = a.theme_id
 WHERE e.sensibilite = 'restreinte' AND e.object_uid = o.uid AND t.sensibilite <> 'generale';
UPDATE carnet_evenement e SET sensibilite = t.sensibilite
  FROM carnet_action ac JOIN carnet_objectif o ON o.id = ac.objectif_id
  JOIN carnet_axedetravail a ON a.id = o.axe_id JOIN carnet_theme t ON t.id = a.theme_id
 WHERE e.sensibilite = 'restreinte' AND e.object_uid = ac.uid AND t.sensibilite <> 'generale';
UPDATE carnet_evenement SET sensibilite = 'justice' WHERE sensibilite = 'restreinte';
SELECT set_config('spie.anonymisation', 'off', true);
"""

CLASSES_VERS_RESTREINTE = """
SELECT set_config('spie.anonymisation', 'on', true);
UPDATE carnet_note SET sensibilite = 'restreinte' WHERE sensibilite NOT IN ('generale', 'privee');
UPDATE carnet_document SET sensibilite = 'restreinte' WHERE sensibilite NOT IN ('generale', 'privee');
UPDATE carnet_evenement SET sensibilite = 'restreinte' WHERE sensibilite NOT IN ('generale', 'privee');
SELECT set_config('spie.anonymisation', 'off', true);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("carnet", "0023_transfert"),
    ]

    operations = [
        migrations.AddField(
            model_name="theme",
            name="sensibilite",
            field=models.CharField(
                choices=[
                    ("generale", "Générale"),
                    ("sante", "Santé"),
                    ("famille", "Famille"),
                    ("justice", "Justice et procédures"),
                    ("protection_enfance", "Protection de l'enfance"),
                ],
                default="generale",
                max_length=20,
                verbose_name="classe de sensibilité",
            ),
        ),
        migrations.RunPython(themes_vers_classes, classes_vers_themes),
        migrations.RemoveField(
            model_name="theme",
            name="sensible",
        ),
        migrations.AlterField(
            model_name="document",
            name="sensibilite",
            field=models.CharField(
                choices=[
                    ("generale", "Générale — le groupe de suivi"),
                    ("sante", "Santé — référent, auteur, professionnels du médico-social du groupe"),
                    ("famille", "Famille — référent, auteur, travailleurs sociaux du groupe"),
                    ("justice", "Justice et procédures — référent et auteur"),
                    ("protection_enfance", "Protection de l'enfance — auteur et service du Département du groupe"),
                    ("privee", "Privée — auteur seulement"),
                ],
                default="generale",
                max_length=20,
                verbose_name="visibilité",
            ),
        ),
        migrations.AlterField(
            model_name="evenement",
            name="sensibilite",
            field=models.CharField(
                choices=[
                    ("generale", "Générale — le groupe de suivi"),
                    ("sante", "Santé — référent, auteur, professionnels du médico-social du groupe"),
                    ("famille", "Famille — référent, auteur, travailleurs sociaux du groupe"),
                    ("justice", "Justice et procédures — référent et auteur"),
                    ("protection_enfance", "Protection de l'enfance — auteur et service du Département du groupe"),
                    ("privee", "Privée — auteur seulement"),
                ],
                default="generale",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="note",
            name="sensibilite",
            field=models.CharField(
                choices=[
                    ("generale", "Générale — le groupe de suivi"),
                    ("sante", "Santé — référent, auteur, professionnels du médico-social du groupe"),
                    ("famille", "Famille — référent, auteur, travailleurs sociaux du groupe"),
                    ("justice", "Justice et procédures — référent et auteur"),
                    ("protection_enfance", "Protection de l'enfance — auteur et service du Département du groupe"),
                    ("privee", "Privée — auteur seulement"),
                ],
                default="generale",
                max_length=20,
                verbose_name="visibilité",
            ),
        ),
        migrations.RunSQL(ELEMENTS_VERS_CLASSES, CLASSES_VERS_RESTREINTE),
    ]
