"""Who is who on the desk, from the permissions the groups carry.

The groups `Reviewers` and `Editors` are made by a data migration with the
permissions below; the code asks for permissions, so a superuser counts as an
editor and a group can be renamed without breaking anything.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q

REVIEWERS = "Reviewers"
EDITORS = "Editors"

REVIEWER_PERMS = [
    "claims.view_essay",
    "claims.view_claim",
    "claims.change_claim",
    "claims.research_claim",
    "claims.view_source",
    "claims.add_source",
    "claims.view_note",
    "claims.add_note",
    "claims.view_claimevent",
    "claims.view_publication",
]
EDITOR_PERMS = REVIEWER_PERMS + [
    "claims.add_essay",
    "claims.change_essay",
    "claims.import_essay",
    "claims.publish_essay",
    "claims.add_claim",
    "claims.assign_claim",
    "claims.approve_claim",
    "claims.dismiss_claim",
    "claims.delete_source",
    "claims.add_publication",
]


def is_editor(user):
    return bool(user and user.is_authenticated and user.is_active and user.has_perm("claims.approve_claim"))


def is_desk_member(user):
    """Anyone on the desk: reviewers and editors both research claims."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm("claims.research_claim"))


def desk_members():
    """Active people who may research claims (Reviewers, Editors, superusers), by username: the one list of the
    desk's members (assignee choices, mentions, reminders)."""
    may_research = Q(groups__permissions__codename="research_claim", groups__permissions__content_type__app_label="claims") | Q(
        user_permissions__codename="research_claim", user_permissions__content_type__app_label="claims"
    )
    return get_user_model().objects.filter(Q(is_superuser=True) | may_research, is_active=True).distinct().order_by("username")


def ensure_groups(apps):
    """Create the two groups with their permissions; `apps` may be a migration's historical registry."""
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
