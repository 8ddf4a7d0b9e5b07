"""Indicators: exact versioned definitions (`definitions`), monthly computation stored as series (`calcul`),
the series read back for pages and exports (`lecture`), charts (`graphiques`) and the monthly PDF (`rapport`)."""
