"""The desk's two groups and the permissions the workflow table gives them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from claims.roles import EDITOR_PERMS, EDITORS, REVIEWER_PERMS, REVIEWERS


def make_groups(apps, schema_editor):
    # Permissions are normally created after migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ((REVIEWERS, REVIEWER_PERMS), (EDITORS, EDITOR_PERMS)):
        group, _ = Group.objects.get_or_create(name=name)
        codenames = [p.split(".", 1)[1] for p in perms]
        found = list(Permission.objects.filter(content_type__app_label="claims", codename__in=codenames))
        missing = set(codenames) - {p.codename for p in found}
        if missing:
            raise RuntimeError(f"Permissions missing for group {name}: {sorted(missing)}")
        group.permissions.set(found)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[REVIEWERS, EDITORS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(make_groups, remove_groups)]
