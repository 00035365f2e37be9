"""The database cache table (throttling, rate limits): made by migrate, so no extra set-up step."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("claims", "0002_desk_groups")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
