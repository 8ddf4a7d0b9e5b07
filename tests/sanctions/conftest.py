from tests.sanctions.outils import monde  # noqa: F401 (fixture)
