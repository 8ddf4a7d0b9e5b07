"""Suspension-remobilisation of the RSA (CASF L.262-37, décret n° 2025-478): the sanction file and its state machine.

A separate app rather than more tables in `carnet`, because a sanction file:
- owns its tables (the file, its evidence, the observations it received, its steps) and nobody else writes them;
- is restricted data: it is read by the person's référent, the département's décideurs and its administrator only,
  never by the rest of the group of the carnet, nor by partners (it is not in the shared carnet view, nor in the API);
- has its own role (`Role.DECIDEUR_SANCTIONS`, who decides for the président du conseil départemental) and its own
  state machine (`sanctions.etats`, one module, each transition with its legal article).
Other apps call its services (`sanctions.services`): the person's space to show the notice, take the
acknowledgement and the observations. It calls the carnet's services for the timeline and the evidence documents.
"""
