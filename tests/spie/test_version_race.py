"""Two saves racing past the form's version check: the row lock in the service refuses the second."""

import pytest
from django.test import RequestFactory

from spie import services
from spie.forms import StructureForm
from spie.middleware import load_acting_context
from spie.models import Structure
from spie.tenancy import departement_scope
from spie.versioning import VersionConflict


def test_structure_save_refuses_a_version_that_moved_after_validation(admin_a, structure_a, dep_a):
    with departement_scope(dep_a):
        structure = Structure.objects.get(pk=structure_a.pk)
        data = {"nom": "Nouveau nom", "type": structure.type, "siret": structure.siret, "version": structure.version}
        form = StructureForm(data, instance=structure)
        assert form.is_valid(), form.errors
        # Another request saves in between (after this form's validation).
        Structure.objects.filter(pk=structure.pk).update(version=structure.version + 1, nom="Écrit par l'autre")
        request = RequestFactory().post("/")
        request.user = admin_a
        request.session = {}
        acting = load_acting_context(request)
        request.acting, request.departement, request.structure = acting, acting.departement, acting.structure
        with pytest.raises(VersionConflict):
            services.structure_save(form=form, request=request)
        assert Structure.objects.get(pk=structure.pk).nom == "Écrit par l'autre"
