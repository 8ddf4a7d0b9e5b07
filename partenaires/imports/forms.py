from django import forms

from partenaires.imports.champs import champs
from partenaires.imports.lecture import FORMATS, FichierIllisible, format_de, lire
from partenaires.models import TypeImport
from spie.models import Structure


class ImportDepotForm(forms.Form):
    type = forms.ChoiceField(label="Que contient le fichier ?", choices=TypeImport.choices, widget=forms.RadioSelect)
    structure = forms.ModelChoiceField(
        label="Structure",
        queryset=None,
        help_text="La structure d'où vient le fichier : la correspondance des colonnes choisie est retenue pour ses "
        "prochains fichiers. Les professionnels sont invités dans cette structure.",
    )
    fichier = forms.FileField(
        label="Fichier",
        help_text="CSV (séparateur point-virgule ou virgule, encodage UTF-8 ou windows-1252) ou Excel (.xlsx), "
        "avec les noms des colonnes sur la première ligne ; 20 Mo au plus.",
    )
    accept = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = Structure.objects.filter(actif=True)
        self.tableau = None

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        if format_de(fichier.name) is None:
            raise forms.ValidationError(f"Format non pris en charge : {', '.join(FORMATS.values())} attendu.")
        try:
            self.tableau = lire(fichier.read(), fichier.name)
        except FichierIllisible as exc:
            raise forms.ValidationError(str(exc)) from exc
        finally:
            fichier.seek(0)
        if not self.tableau.lignes:
            raise forms.ValidationError("Le fichier ne contient aucune ligne après celle des noms de colonnes.")
        return fichier


class ColonnesForm(forms.Form):
    """One select per field of the platform: which column of the file feeds it."""

    def __init__(self, *args, entetes, type_, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— Ne pas importer —")] + [(header, header) for header in entetes]
        for champ in champs(type_):
            self.fields[champ.code] = forms.ChoiceField(
                label=champ.libelle,
                choices=choices,
                required=champ.obligatoire,
                help_text=champ.aide,
                error_messages={"required": f"Choisissez la colonne du champ obligatoire « {champ.libelle} »."},
            )

    def colonnes(self):
        return {code: header for code, header in self.cleaned_data.items() if header}
