"""Spreadsheet imports (CSV or XLSX) of bénéficiaires and of professionals, by the département's admin.

Upload (`lecture`: separator and encoding detected) → mapping of the file's columns to the platform's fields
(`champs`; saved per structure in `ModeleImport` and proposed again for the next file) → preview with
line-numbered errors (`analyse`) → validation, then the run as a Celery task with a progress bar (`services`,
`partenaires.tasks.traiter_import_tableur`) → report.

Re-importing the same file creates nothing new: people are matched by `carnet.services.correspondance`
(NIR, département id, e-mail + first name, phone + first name), then on identity (name, first name and
birth date), so that a file without any identifier does not duplicate the people it created the first time;
professionals are invited once (an existing membership or a pending invitation is never invited again).
"""
