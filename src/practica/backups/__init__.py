"""Logical backups of Practica's and Chronicles' databases, and a restore that keeps the current data on failure.

``practica backup create`` writes one ``pg_dump`` custom-format file per database and a manifest
(``manifest.py``) into a directory of its own; ``practica backup restore`` checks the manifest, the
checksums and the schema revisions, restores into fresh databases and swaps them in at the end
(``restore.py``). Learners' workspaces are not included (README, "Backups").
"""
