# The FTS5 index follows `terms` only: a claim's status or verdict copied onto its sources' and notes'
# documents (search/index.py index_claim_heads) no longer rewrites their full-text entries.

from django.db import migrations

FORWARD = [
    "DROP TRIGGER IF EXISTS search_fts_update",
    "CREATE TRIGGER search_fts_update AFTER UPDATE OF terms ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms); "
    "INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms); END",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS search_fts_update",
    "CREATE TRIGGER search_fts_update AFTER UPDATE ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms); "
    "INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms); END",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_match"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
