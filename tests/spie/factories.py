"""Factories of the foundation.

Usage::

    dep = DepartementFactory(code="76")
    with departement_scope(dep):
        structure = StructureFactory(departement=dep)
    user = MembershipFactory(structure=structure, role="admin_departement").user
    TotpFactory(user=user)              # MFA enabled, needed by admins

Factories write through `unscoped_objects`, so they work outside any scope; reads in tests still
go through the scoped managers.
"""

import factory
from allauth.mfa.models import Authenticator

from spie import crypto
from spie.dev.demo import luhn_complete
from spie.models import Departement, Invitation, Membership, Structure, Territoire, User


class UnscopedFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _get_manager(cls, model_class):
        return getattr(model_class, "unscoped_objects", model_class._default_manager)


class DepartementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Departement
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{10 + n % 80:02d}")
    nom = factory.LazyAttribute(lambda o: f"Département {o.code}")


class StructureFactory(UnscopedFactory):
    class Meta:
        model = Structure

    departement = factory.SubFactory(DepartementFactory)
    nom = factory.Sequence(lambda n: f"Structure {n}")
    type = "departement"
    siret = factory.Sequence(lambda n: luhn_complete(f"{n:013d}"))

    class Params:
        france_travail = factory.Trait(type="france_travail", nom=factory.Sequence(lambda n: f"France Travail {n}"))
        association = factory.Trait(type="association", nom=factory.Sequence(lambda n: f"Association {n}"))


class TerritoireFactory(UnscopedFactory):
    class Meta:
        model = Territoire

    departement = factory.SubFactory(DepartementFactory)
    nom = factory.Sequence(lambda n: f"Territoire {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"agent{n}@exemple.fr")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    password = factory.django.Password("mot-de-passe-solide-123")

    @factory.post_generation
    def totp(user, create, extracted, **kwargs):
        """Every professional must have a second factor: a TOTP authenticator (TOTP_SECRET) unless `totp=False`."""
        if create and extracted is not False:
            TotpFactory(user=user)


class MembershipFactory(UnscopedFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    structure = factory.SubFactory(StructureFactory)
    departement = factory.SelfAttribute("structure.departement")
    role = "professionnel"


class InvitationFactory(UnscopedFactory):
    """`InvitationFactory(token="...")` sets the hash of a known token."""

    class Meta:
        model = Invitation
        exclude = ("token",)

    token = factory.Sequence(lambda n: f"jeton-de-test-{n:06d}-abcdefghijklmnop")
    structure = factory.SubFactory(StructureFactory)
    departement = factory.SelfAttribute("structure.departement")
    email = factory.Sequence(lambda n: f"invite{n}@exemple.fr")
    first_name = "Sacha"
    last_name = "Invité"
    role = "professionnel"
    token_hash = factory.LazyAttribute(lambda o: Invitation.hash_token(o.token))
    expires_at = factory.LazyFunction(Invitation.default_expiry)


class TotpFactory(factory.django.DjangoModelFactory):
    """An activated TOTP authenticator with a known secret (TOTP_SECRET)."""

    class Meta:
        model = Authenticator
        django_get_or_create = ("user", "type")

    user = factory.SubFactory(UserFactory, totp=False)
    type = Authenticator.Type.TOTP
    data = factory.LazyFunction(lambda: {"secret": crypto.encrypt(TOTP_SECRET)})


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
