"""The CAF/MSA monthly "flux bénéficiaires RSA" (XML, schema VRSB0801 in `schemas/`).

- `lecture`: streaming read (lxml iterparse, elements cleared as they are read: flat memory whatever the file
  size), checks of the file as a whole, validation of each household against the official schema;
- `integration`: households → bénéficiaires, by batches (people matched by `carnet.services.correspondance`,
  written by `carnet.services.bulk`, a fingerprint per person so that an unchanged record writes nothing);
- `services`: a run of an uploaded file (claim, progress, report), enqueued as `partenaires.tasks.traiter_flux`.

Valid files for tests and benchmarks (`manage.py bench_flux`): `partenaires.dev.generation_flux`.
"""
