"""Forms of the person's identity, the group, the search and the portfolio."""

from django import forms
from django.core.exceptions import ValidationError

from carnet.models import Beneficiaire
from carnet.nir import nir_hash, normalise_nir
from spie.forms import VersionedFormMixin
from spie.models import Commune, MotifAcces
from spie.telephones import clean_french


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class BeneficiaireForm(VersionedFormMixin, forms.ModelForm):
    """Identity and administrative situation. The NIR is write-only: never shown back, only replaced."""

    nir = forms.CharField(
        label="NIR (numéro de sécurité sociale)",
        required=False,
        max_length=21,
        help_text="13 caractères sans la clé ou 15 avec la clé. Il ne sera plus affiché après l'enregistrement.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code_commune = forms.CharField(
        label="Code INSEE de la commune de résidence", required=False, max_length=5, help_text="Par exemple 76540."
    )

    class Meta:
        model = Beneficiaire
        fields = [
            "civilite",
            "nom_usage",
            "nom_naissance",
            "prenoms",
            "date_naissance",
            "lieu_naissance",
            "telephone",
            "courriel",
            "adresse",
            "complement_adresse",
            "code_postal",
            "organisme_payeur",
            "numero_allocataire",
            "role_foyer",
            "identifiant_france_travail",
            "identifiant_departement",
            "etat_droit_rsa",
            "motif_suspension",
            "motif_cloture",
            "date_cloture",
            "soumis_droits_devoirs",
            "date_entree_rsa",
        ]
        widgets = {
            "date_naissance": DateInput(),
            "date_cloture": DateInput(),
            "date_entree_rsa": DateInput(),
        }

    def __init__(self, *args, departement, **kwargs):
        super().__init__(*args, **kwargs)
        self.departement = departement
        if self.instance.pk:
            self.add_version_field()
            if self.instance.a_un_nir:
                self.fields["nir"].help_text = (
                    "Un NIR est enregistré (non affiché). Saisissez-en un autre pour le remplacer ; "
                    "laissez vide pour le conserver."
                )
            if not self.is_bound and self.instance.commune_id:
                self.initial["code_commune"] = self.instance.commune_id
        self.order_fields(["civilite", "nom_usage", "nom_naissance", "prenoms", "date_naissance", "nir"])

    def clean_nir(self):
        value = self.cleaned_data.get("nir", "").strip()
        if not value:
            return ""
        nir = normalise_nir(value)
        clash = Beneficiaire.objects.filter(departement=self.departement, nir_hash=nir_hash(nir))
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError("Ce NIR est déjà utilisé par une autre personne du département.")
        return nir

    def clean_telephone(self):
        return clean_french(self.cleaned_data.get("telephone", ""))

    def clean_code_commune(self):
        code = (self.cleaned_data.get("code_commune") or "").strip().upper()
        if not code:
            return None
        commune = Commune.objects.filter(code_insee=code).first()
        if commune is None:
            raise ValidationError("Code commune inconnu : %(code)s.", params={"code": code})
        return commune

    def model_data(self):
        """The model fields that changed (or all of them on creation), ready for the services."""
        names = self.Meta.fields if not self.instance.pk else [f for f in self.changed_data if f in self.Meta.fields]
        data = {name: self.cleaned_data[name] for name in names}
        if not self.instance.pk or "code_commune" in self.changed_data:
            data["commune"] = self.cleaned_data.get("code_commune")
        return data


class RechercheForm(forms.Form):
    nom = forms.CharField(label="Nom ou prénom", required=False, max_length=100)
    date_naissance = forms.DateField(label="Date de naissance", required=False, widget=DateInput())
    numero_allocataire = forms.CharField(
        label="Numéro d'allocataire CAF/MSA",
        required=False,
        max_length=15,
        help_text="Le début du numéro suffit.",
    )
    identifiant_france_travail = forms.CharField(label="Identifiant France Travail", required=False, max_length=20)

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(name) for name in self.fields):
            raise ValidationError("Renseignez au moins un critère de recherche.")
        return cleaned


class RechercheNirForm(forms.Form):
    """Search by NIR: POST only (never in a URL or a log), exact match only."""

    nir = forms.CharField(
        label="NIR",
        max_length=21,
        help_text="Recherche exacte. Le NIR n'est jamais conservé dans l'historique de navigation.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_nir(self):
        return normalise_nir(self.cleaned_data["nir"])


class PortefeuilleFiltreForm(forms.Form):
    FILTRES = [
        ("", "Toutes les personnes"),
        ("sans_rdv", "Sans rendez-vous depuis N jours"),
        ("fin_contrat", "Contrat se terminant dans les 30 jours"),
        ("sans_contrat", "Sans contrat en cours"),
        ("nouveaux", "Nouveaux ce mois-ci"),
        ("clos", "Carnets clos (accompagnement terminé)"),
    ]
    filtre = forms.ChoiceField(label="Afficher", choices=FILTRES, required=False)
    jours = forms.IntegerField(
        label="Nombre de jours sans rendez-vous", min_value=1, max_value=730, required=False, initial=60
    )
    q = forms.CharField(label="Nom", required=False, max_length=100)


class AdhesionForm(forms.Form):
    motif = forms.CharField(
        label="Pourquoi souhaitez-vous rejoindre le groupe de suivi ?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Le référent reçoit votre demande. Ne mentionnez pas d'information de santé.",
    )


class MembreAjoutForm(forms.Form):
    """The référent adds a professional of the département (chosen by membership) to the group."""

    membership = forms.ModelChoiceField(label="Professionnel", queryset=None)
    referent = forms.BooleanField(label="Désigner comme référent", required=False)

    def __init__(self, *args, **kwargs):
        from spie.models import Membership, Role

        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = (
            Membership.objects.actifs()
            .filter(role__in=[Role.PROFESSIONNEL, Role.RESPONSABLE_STRUCTURE, Role.CHARGE_ORIENTATION])
            .select_related("user", "structure")
            .order_by("user__last_name", "structure__nom")
        )
        self.fields["membership"].label_from_instance = lambda m: f"{m.user.get_full_name()} — {m.structure.nom}"


class AccesExceptionnelForm(forms.Form):
    """The reason a professional outside the group gives before reading the carnet's notes and documents."""

    motif = forms.ChoiceField(label="Motif de l'accès", choices=[("", "Choisir un motif")] + MotifAcces.choices)
    justification = forms.CharField(
        label="Précisez",
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=15,
        max_length=1000,
        help_text="Ce motif est conservé dans le journal des accès et consultable par le délégué à la protection "
        "des données. Ne mentionnez pas d'information de santé.",
    )


class TransmissionForm(forms.Form):
    """Who leaves (a professional with people followed for the structure, even if their account is already
    deactivated) and which colleagues of the structure take over."""

    ancien = forms.ModelChoiceField(
        label="Professionnel qui quitte la structure", queryset=None, to_field_name="uid", empty_label="Choisir"
    )
    destinataires = forms.ModelMultipleChoiceField(
        label="Collègues qui reprennent les personnes suivies",
        queryset=None,
        to_field_name="uid",
        widget=forms.CheckboxSelectMultiple,
        help_text="Les personnes sont réparties à tour de rôle entre les collègues choisis, par ordre alphabétique.",
    )

    def __init__(self, *args, structure, **kwargs):
        from carnet.models import MembreGroupe
        from spie.models import Membership, User

        super().__init__(*args, **kwargs)
        suivant = MembreGroupe.objects.actifs().filter(structure=structure).values("user_id")
        self.fields["ancien"].queryset = User.objects.filter(pk__in=suivant).order_by("last_name", "first_name")
        self.fields["ancien"].label_from_instance = lambda u: (
            f"{u.get_full_name()} ({u.email})" + ("" if u.is_active else " — compte désactivé")
        )
        collegues = Membership.objects.actifs().filter(structure=structure).values("user_id")
        self.fields["destinataires"].queryset = User.objects.filter(pk__in=collegues).order_by(
            "last_name", "first_name"
        )
        self.fields["destinataires"].label_from_instance = lambda u: f"{u.get_full_name()} ({u.email})"

    def clean(self):
        data = super().clean()
        ancien, destinataires = data.get("ancien"), data.get("destinataires") or []
        if ancien and any(d.pk == ancien.pk for d in destinataires):
            self.add_error("destinataires", "Le professionnel qui part ne peut pas reprendre son propre portefeuille.")
        return data


class TransfertForm(forms.Form):
    """The sending admin proposes to transfer a carnet to the département where the person now lives."""

    departement = forms.ModelChoiceField(
        label="Département d'arrivée", queryset=None, to_field_name="uid", empty_label="Choisir un département"
    )
    motif = forms.CharField(
        label="Motif",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Par exemple : la personne nous a signalé son déménagement à Évreux le 2 décembre. Le "
        "département d'arrivée lira ce motif. Ne mentionnez pas d'information de santé.",
    )

    def __init__(self, *args, departements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].queryset = departements
        self.fields["departement"].label_from_instance = lambda d: f"{d.code} — {d.nom}"


class TransfertRefusForm(forms.Form):
    motif_refus = forms.CharField(
        label="Motif du refus",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Le département de départ le lira dans l'historique du carnet.",
    )
