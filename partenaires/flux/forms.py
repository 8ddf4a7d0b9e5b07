from django import forms

from partenaires.flux.lecture import FluxRefuse, verifier_entete
from partenaires.flux.services import TAILLE_MAX, debut_file_par_defaut


class FluxDepotForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier du flux « bénéficiaires RSA » (XML)",
        help_text="Le fichier mensuel transmis par la CAF ou la MSA, tel quel (XML encodé en windows-1252).",
    )
    debut_file = forms.DateField(
        label="Début de la file des nouveaux entrants",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Premier fichier du département : les personnes entrées au RSA avant cette date forment le stock "
        "déjà connu et n'entrent pas dans la file des nouveaux entrants. Par défaut : le 1er du mois en cours. "
        "Cette date ne se choisit qu'une fois.",
    )
    accept = ".xml,application/xml,text/xml"

    def __init__(self, *args, departement=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departement is None or departement.debut_file_orientation is not None:
            del self.fields["debut_file"]
        else:
            self.fields["debut_file"].initial = debut_file_par_defaut()

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        if fichier.size > TAILLE_MAX:
            raise forms.ValidationError(f"Le fichier dépasse la taille maximale de {TAILLE_MAX // (1024 * 1024)} Mo.")
        try:
            verifier_entete(fichier)
        except FluxRefuse as exc:
            raise forms.ValidationError(str(exc)) from exc
        return fichier


class RejeuForm(forms.Form):
    """The confirmation step of replaying a file older than the last one imported."""

    confirmation = forms.BooleanField(
        label="Je confirme rejouer ce fichier plus ancien : les droits des personnes reviendront à ceux de ce fichier",
        error_messages={"required": "Cochez la case pour confirmer le rejeu du fichier."},
    )
