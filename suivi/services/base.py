"""Helpers shared by the follow-up services: rules, preferences, keys, links and rendering."""

import datetime

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from spie.locks import transaction_lock
from spie.versioning import save_versioned
from suivi.models import PreferenceNotification, ReglesRappel

# Lists in digests and alerts name at most this many people; the link leads to the whole list.
NOMS_MAXIMUM = 10


def regles_du_departement(departement) -> ReglesRappel:
    """The département's rules, created with the defaults on first use (tasks and saves only)."""
    regles, _ = ReglesRappel.objects.get_or_create(departement_id=departement.pk)
    return regles


def regles_en_lecture(departement) -> ReglesRappel:
    """The rules for display: an unsaved row with the defaults when none exists yet (a GET never writes)."""
    return ReglesRappel.objects.filter(departement_id=departement.pk).first() or ReglesRappel(
        departement_id=departement.pk
    )


def regles_enregistrer(*, form, user) -> ReglesRappel:
    """Save the rules form; the version read is claimed first (`VersionConflict`) so that no edit is silently
    lost."""
    regles = form.save(commit=False)
    save_versioned(regles, version=form.cleaned_data.get("version"))
    regles.updated_by = user
    regles.save()
    regles.refresh_from_db()
    return regles


def preferences_de(user_ids) -> dict:
    return dict(
        PreferenceNotification.objects.filter(user_id__in=list(user_ids)).values_list("user_id", "frequence_courriel")
    )


def semaine_iso(jour: datetime.date) -> str:
    year, week, _ = jour.isocalendar()
    return f"{year}-W{week:02d}"


def condition_espace(prefixe: str = "") -> Q:
    """The person (reached through `prefixe`) has an active account in their own space and has logged in at
    least once: messages can point there instead of carrying details."""
    return Q(**{f"{prefixe}compte_usager__actif": True, f"{prefixe}compte_usager__derniere_connexion__isnull": False})


def utilise_son_espace(beneficiaire) -> bool:
    return type(beneficiaire).objects.filter(condition_espace(), pk=beneficiaire.pk).exists()


def lien_absolu(path: str) -> str:
    return settings.SPIE_BASE_URL.rstrip("/") + path if path else ""


def rendre(template: str, context: dict) -> str:
    """Render a plain-text message in French, whatever the language of the worker."""
    with translation.override("fr"):
        return render_to_string(
            template, {"site_name": settings.SPIE_SITE_NAME, "base_url": settings.SPIE_BASE_URL.rstrip("/"), **context}
        ).strip()


def verrou(nom: str, departement_id: int) -> None:
    """Serialise one job per département until the end of the transaction (two beat runs never interleave)."""
    transaction_lock(f"suivi:{nom}:{departement_id}")


def liste_noms(carnets) -> tuple[list[str], int]:
    """The first names of a list of carnets and how many were left out."""
    carnets = list(carnets)
    noms = [c.beneficiaire.nom_complet for c in carnets[:NOMS_MAXIMUM]]
    return noms, max(0, len(carnets) - NOMS_MAXIMUM)


def aujourd_hui(jour=None) -> datetime.date:
    return jour or timezone.localdate()
