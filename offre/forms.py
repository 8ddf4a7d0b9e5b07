"""Forms of the offer: search, a service and its sessions, a structure's card, moderation, import,
prescription and its answer.

Choices and labels of the referentials come from the data·inclusion package (`offre.referentiels`); the
service and structure forms validate the whole record with the package in strict mode before saving, so
that what the platform stores always exports cleanly.
"""

from data_inclusion.schema import v1
from django import forms

from offre import schema
from offre.models import EtapeSuivi, MotifEtape, MotifRefus, Service, SessionService
from offre.referentiels import (
    Categorie,
    Frais,
    ModeAccueil,
    ModeMobilisation,
    PersonneMobilisatrice,
    Public,
    ReseauPorteur,
    TypeService,
    choices,
    thematique_choices,
)
from offre.search import Criteres
from offre.services.lecture import FichierInvalide, format_of, read_files
from offre.zones import FRANCE, normalise_code, unknown_codes
from spie.forms import VersionedFormMixin
from spie.models import Commune, Structure


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _multiple(label, enum, help_text=""):
    return forms.MultipleChoiceField(
        label=label, choices=choices(enum), required=False, widget=forms.CheckboxSelectMultiple, help_text=help_text
    )


def resolve_commune(term):
    """A commune from what a user types: INSEE code, postal code or name (the most populated match first)."""
    term = (term or "").strip()
    if not term:
        return None
    exact = Commune.objects.filter(code_insee=term.upper()).select_related("epci").first()
    return exact or Commune.objects.search(term).select_related("epci").first()


# --- Search ---------------------------------------------------------------------------------------------


def _thematique_search_choices():
    categories = [(c.value, f"{c.label} (toutes les sous-thématiques)") for c in Categorie]
    return [("", "Toutes les thématiques"), ("Catégories", categories), *thematique_choices()]


class RechercheForm(forms.Form):
    q = forms.CharField(
        label="Mots-clés",
        required=False,
        max_length=200,
        help_text="Par exemple : atelier CV, permis, garde d'enfants.",
    )
    commune = forms.CharField(
        label="Commune de la personne",
        required=False,
        max_length=100,
        help_text="Nom, code postal ou code INSEE : les offres dont la zone couvre la commune, son intercommunalité, "
        "son département ou toute la France.",
    )
    thematique = forms.ChoiceField(label="Thématique", required=False, choices=_thematique_search_choices)
    public = forms.ChoiceField(
        label="Public", required=False, choices=lambda: [("", "Tous les publics")] + choices(Public)
    )
    type = forms.ChoiceField(
        label="Type de service", required=False, choices=lambda: [("", "Tous")] + choices(TypeService)
    )
    mode_accueil = forms.ChoiceField(
        label="Mode d'accueil", required=False, choices=lambda: [("", "Tous")] + choices(ModeAccueil)
    )
    sessions_ouvertes = forms.BooleanField(
        label="Seulement les offres avec une session ouverte aux inscriptions", required=False
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=500, widget=forms.HiddenInput)

    def clean_commune(self):
        term = self.cleaned_data.get("commune", "")
        if not term.strip():
            self.commune_trouvee = None
            return ""
        self.commune_trouvee = resolve_commune(term)
        if self.commune_trouvee is None:
            raise forms.ValidationError("Commune introuvable : saisissez son nom, son code postal ou son code INSEE.")
        return term

    def criteres(self):
        data = self.cleaned_data
        return Criteres(
            texte=data.get("q") or "",
            thematique=data.get("thematique") or "",
            public=data.get("public") or "",
            type=data.get("type") or "",
            mode_accueil=data.get("mode_accueil") or "",
            commune=getattr(self, "commune_trouvee", None),
            sessions_ouvertes=bool(data.get("sessions_ouvertes")),
        )


# --- A service ------------------------------------------------------------------------------------------

SERVICE_FIELDS = [
    "nom",
    "description",
    "type",
    "thematiques",
    "publics",
    "publics_precisions",
    "conditions_acces",
    "frais",
    "frais_precisions",
    "zone_eligibilite",
    "modes_accueil",
    "adresse",
    "complement_adresse",
    "code_postal",
    "code_insee",
    "horaires_accueil",
    "telephone",
    "courriel",
    "contact_nom_prenom",
    "modes_mobilisation",
    "mobilisable_par",
    "lien_mobilisation",
    "mobilisation_precisions",
    "volume_horaire_hebdomadaire",
    "nombre_semaines",
]


def _package_help(model, name):
    """The package's own title of a field, when it has one (labels come from the package)."""
    field = model.model_fields.get(name)
    return field.title if field is not None and field.title else None


class ZoneField(forms.CharField):
    """`zone_eligibilite` typed as codes separated by commas or spaces."""

    def to_python(self, value):
        text = super().to_python(value)
        return list(dict.fromkeys(normalise_code(c) for c in text.replace(";", ",").replace(" ", ",").split(",") if c))

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value


class ServiceForm(VersionedFormMixin, forms.ModelForm):
    type = forms.ChoiceField(label="Type de service", choices=lambda: [("", "—")] + choices(TypeService))
    thematiques = forms.MultipleChoiceField(
        label="Thématiques",
        choices=thematique_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Cochez les sous-thématiques traitées par le service.",
    )
    publics = _multiple("Publics", Public, "« Tous publics » ne se combine pas avec un autre public.")
    frais = forms.ChoiceField(
        label="Frais", required=False, choices=lambda: [("", "Non précisé")] + choices(Frais), widget=forms.RadioSelect
    )
    modes_accueil = _multiple("Modes d'accueil", ModeAccueil)
    modes_mobilisation = _multiple("Modes de mobilisation", ModeMobilisation)
    mobilisable_par = _multiple("Mobilisable par", PersonneMobilisatrice)
    zone_eligibilite = ZoneField(
        label=_package_help(v1.Service, "zone_eligibilite") or "Zone d'éligibilité",
        help_text="Codes séparés par des virgules : code INSEE de commune (76540), code de département (76), SIREN "
        "d'intercommunalité (200023414) ou « france ».",
    )
    code_insee = forms.CharField(
        label="Code INSEE de la commune du lieu d'accueil",
        required=False,
        max_length=5,
        help_text="Par exemple 76540.",
    )
    lien_mobilisation = forms.URLField(label="Lien de mobilisation", required=False, assume_scheme="https")

    class Meta:
        model = Service
        fields = SERVICE_FIELDS

    def __init__(self, *args, structures=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_version_field()
        for name in ("publics_precisions", "conditions_acces", "frais_precisions", "mobilisation_precisions"):
            self.fields[name].widget = forms.Textarea(attrs={"rows": 2})
        self.fields["description"].widget = forms.Textarea(attrs={"rows": 6})
        self.fields[
            "description"
        ].help_text = "Idéalement entre 200 et 2 000 caractères, en phrases courtes et en langage simple."
        for name, field in self.fields.items():
            title = _package_help(v1.Service, name)
            if title and name != "zone_eligibilite":
                field.label = title
        if structures is not None:
            self.fields["structure"] = forms.ModelChoiceField(label="Structure", queryset=structures)
            if self.instance.pk:
                self.initial.setdefault("structure", self.instance.structure_id)
            self.order_fields(["structure"])

    def clean_zone_eligibilite(self):
        codes = self.cleaned_data["zone_eligibilite"]
        if not codes:
            raise forms.ValidationError("Indiquez au moins une zone.")
        unknown = unknown_codes([c for c in codes if c != FRANCE])
        if unknown:
            raise forms.ValidationError(
                "Codes inconnus du Code officiel géographique : %(codes)s.", params={"codes": ", ".join(unknown)}
            )
        return codes

    def clean_code_insee(self):
        code = (self.cleaned_data.get("code_insee") or "").strip().upper()
        if code and not Commune.objects.filter(code_insee=code).exists():
            raise forms.ValidationError("Code commune inconnu : %(code)s.", params={"code": code})
        return code

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        _, errors = schema.validate(v1.Service, self._record(cleaned))
        for name, message in errors:
            self.add_error(name if name in self.fields else None, message)
        return cleaned

    def _record(self, cleaned):
        record = {
            "source": "spie",
            "structure_id": "spie--structure",
            "id": "spie--service",
            "date_maj": schema.today(),
        }
        for name in SERVICE_FIELDS:
            value = cleaned.get(name)
            record[name] = None if value in ("", [], None) else value
        return record

    def service_data(self):
        data = {name: self.cleaned_data[name] for name in SERVICE_FIELDS}
        for name in ("thematiques", "publics", "modes_accueil", "modes_mobilisation", "mobilisable_par"):
            data[name] = sorted(data[name])
        for name in ("nom", "description"):
            data[name] = data[name].strip()
        if data["code_insee"]:
            commune = Commune.objects.get(code_insee=data["code_insee"])
            data["commune"] = commune.nom
            if not data["code_postal"] and len(commune.codes_postaux) == 1:
                data["code_postal"] = commune.codes_postaux[0]
        else:
            data["commune"] = ""
        return data

    def thematiques_groupees(self):
        """The thématique checkboxes grouped by category, for one fieldset per category."""
        widgets = {w.data["value"]: w for w in self["thematiques"]}
        groupes = []
        for categorie, items in thematique_choices():
            cases = [widgets[value] for value, _ in items if value in widgets]
            groupes.append({"categorie": categorie, "cases": cases, "coches": any(c.data["selected"] for c in cases)})
        return groupes


# --- Sessions -------------------------------------------------------------------------------------------


class SessionForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = SessionService
        fields = [
            "date_debut",
            "date_fin",
            "date_limite_inscription",
            "places_total",
            "places_restantes",
            "lieu",
            "precisions",
        ]
        widgets = {"date_debut": DateInput(), "date_fin": DateInput(), "date_limite_inscription": DateInput()}
        help_texts = {"places_restantes": "Laissé vide à la création : toutes les places sont libres."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_version_field()

    def clean(self):
        cleaned = super().clean()
        debut, fin = cleaned.get("date_debut"), cleaned.get("date_fin")
        if debut and fin and fin < debut:
            self.add_error("date_fin", "La fin doit être postérieure ou égale au début.")
        total, restantes = cleaned.get("places_total"), cleaned.get("places_restantes")
        if total is not None and restantes is not None and restantes > total:
            self.add_error("places_restantes", "Il ne peut pas rester plus de places que la session n'en compte.")
        return cleaned

    def session_data(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


# --- A structure's public card --------------------------------------------------------------------------

FICHE_FIELDS = [
    "description",
    "adresse",
    "complement_adresse",
    "code_postal",
    "telephone",
    "courriel",
    "site_web",
    "horaires_accueil",
    "accessibilite_lieu",
    "reseaux_porteurs",
]


class StructureFicheForm(VersionedFormMixin, forms.ModelForm):
    site_web = forms.URLField(label="Site web", required=False, assume_scheme="https")
    accessibilite_lieu = forms.URLField(
        label=_package_help(v1.Structure, "accessibilite_lieu") or "Accessibilité du lieu",
        required=False,
        assume_scheme="https",
        help_text="Lien vers la fiche Acceslibre du lieu (acceslibre.beta.gouv.fr).",
    )
    reseaux_porteurs = forms.MultipleChoiceField(
        label="Réseaux porteurs",
        required=False,
        choices=lambda: choices(ReseauPorteur),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Ctrl (ou Cmd) + clic pour en choisir plusieurs.",
    )

    class Meta:
        model = Structure
        fields = FICHE_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"horaires_accueil": "Format OpenStreetMap, par exemple « Mo-Fr 09:00-12:00 »."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_version_field()

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        candidate = {name: cleaned.get(name) for name in FICHE_FIELDS}
        record = {
            **schema.structure_record(self.instance),
            **{name: (None if value in ("", [], None) else value) for name, value in candidate.items()},
        }
        _, errors = schema.validate(v1.Structure, record)
        for name, message in errors:
            self.add_error(name if name in self.fields else None, message)
        return cleaned

    def fiche_data(self):
        data = {name: self.cleaned_data[name] for name in FICHE_FIELDS}
        data["reseaux_porteurs"] = sorted(data["reseaux_porteurs"])
        return data


# --- Moderation ---------------------------------------------------------------------------------------


class ModerationForm(forms.Form):
    decision = forms.ChoiceField(
        label="Décision",
        choices=[("publier", "Publier le service"), ("suspendre", "Suspendre le service")],
        widget=forms.RadioSelect,
    )
    motif = forms.CharField(
        label="Motif (transmis à la structure)",
        required=False,
        max_length=255,
        help_text="Obligatoire pour une suspension.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "suspendre" and not (cleaned.get("motif") or "").strip():
            self.add_error("motif", "Indiquez le motif de la suspension.")
        return cleaned


# --- Import ---------------------------------------------------------------------------------------------


class ImportForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier à importer",
        help_text="JSON (liste des structures et des services, comme l'API et les données ouvertes data·inclusion), "
        "CSV (un fichier par type) ou Excel XLSX (une feuille « structures » et une feuille « services »). "
        "20 Mo au plus.",
    )
    fichier_2 = forms.FileField(
        label="Second fichier CSV",
        required=False,
        help_text="Pour un import CSV : le fichier des services si le premier est celui des structures, ou l'inverse.",
    )

    def clean(self):
        cleaned = super().clean()
        fichiers = [f for f in (cleaned.get("fichier"), cleaned.get("fichier_2")) if f]
        if not fichiers or self.errors:
            return cleaned
        formats = {format_of(f.name) for f in fichiers}
        if None in formats:
            raise forms.ValidationError("Format non pris en charge : déposez un fichier .json, .csv ou .xlsx.")
        if len(formats) > 1:
            raise forms.ValidationError("Les deux fichiers doivent être du même format (deux fichiers CSV).")
        self.format = formats.pop()
        if len(fichiers) > 1 and self.format != "csv":
            raise forms.ValidationError("Un second fichier n'est utile que pour un import CSV.")
        contents = []
        for fichier in fichiers:
            fichier.seek(0)
            contents.append((fichier.name, fichier.read()))
            fichier.seek(0)
        try:
            self.enregistrements = read_files(self.format, contents)
        except FichierInvalide as exc:
            raise forms.ValidationError(f"Fichier refusé : {exc}") from exc
        self.fichiers = fichiers
        return cleaned


# --- Prescription ---------------------------------------------------------------------------------------


class PrescriptionForm(forms.Form):
    session = forms.ModelChoiceField(
        label="Session",
        required=False,
        queryset=None,
        empty_label="Sans session particulière",
    )
    message = forms.CharField(
        label="Message à la structure",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        help_text="Ce qui est utile à la structure pour accueillir la personne. N'écrivez aucune information "
        "de santé, de justice ou de famille.",
    )
    partager_telephone = forms.BooleanField(label="Transmettre son téléphone", required=False)
    partager_courriel = forms.BooleanField(label="Transmettre son adresse électronique", required=False)
    consentement = forms.BooleanField(
        label="La personne est informée de cette prescription et accepte que son nom et les coordonnées "
        "cochées soient transmis à la structure.",
    )

    def __init__(self, *args, service, beneficiaire, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = SessionService.objects.ouvertes().filter(service=service)
        self.fields["session"].label_from_instance = _session_label
        if not self.fields["session"].queryset.exists():
            del self.fields["session"]
        if beneficiaire.telephone:
            self.fields["partager_telephone"].label = f"Transmettre son téléphone ({beneficiaire.telephone})"
            self.fields["partager_telephone"].initial = True
        else:
            del self.fields["partager_telephone"]
        if beneficiaire.courriel:
            self.fields["partager_courriel"].label = f"Transmettre son adresse électronique ({beneficiaire.courriel})"
        else:
            del self.fields["partager_courriel"]


def _session_label(session):
    label = f"Du {session.date_debut:%d/%m/%Y}"
    if session.date_fin:
        label += f" au {session.date_fin:%d/%m/%Y}"
    if session.places_restantes is not None:
        label += f" — {session.places_restantes} place{'s' if session.places_restantes > 1 else ''} restante" + (
            "s" if session.places_restantes > 1 else ""
        )
    return label


class ReponseForm(forms.Form):
    decision = forms.ChoiceField(
        label="Votre réponse",
        choices=[("accepter", "Accepter : la structure accueille la personne"), ("refuser", "Refuser")],
        widget=forms.RadioSelect,
    )
    motif = forms.ChoiceField(label="Motif du refus", required=False, choices=[("", "—")] + list(MotifRefus.choices))
    precision = forms.CharField(
        label="Précision",
        required=False,
        max_length=255,
        help_text="Par exemple la date du premier rendez-vous. Aucune information de santé, de justice ou de famille.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "refuser" and not cleaned.get("motif"):
            self.add_error("motif", "Choisissez le motif du refus.")
        return cleaned


class EtapeForm(forms.Form):
    """The next outcome step of an accepted prescription (the choices are the steps allowed now)."""

    etape = forms.ChoiceField(label="Étape", widget=forms.RadioSelect)
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    motif = forms.ChoiceField(
        label="Motif",
        required=False,
        choices=[("", "—")] + list(MotifEtape.choices),
        help_text="Obligatoire pour une absence, une candidature non retenue ou un abandon.",
    )
    precision = forms.CharField(
        label="Précision",
        required=False,
        max_length=255,
        help_text="Facultative. Aucune information de santé, de justice ou de famille.",
    )

    def __init__(self, *args, etapes, **kwargs):
        from django.utils import timezone

        super().__init__(*args, **kwargs)
        self.fields["etape"].choices = [(e, EtapeSuivi(e).label) for e in etapes]
        self.fields["date"].initial = timezone.localdate()
