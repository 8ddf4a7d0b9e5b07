from tests.sanctions.outils import monde  # noqa: F401 (fixture)
from tests.sanctions.outils_ep import ep  # noqa: F401 (fixture)
