"""Every active membership puts its user in the group of its role in that organization
(``org-<organization id>-<role>``); object permissions granted to such a group follow the
membership. Memberships granted from now on are kept in step by ``membership_grant``."""

from django.db import migrations


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Membership = apps.get_model("accounts", "Membership")
    groups = {}
    for membership in Membership.objects.filter(is_active=True).select_related("user"):
        name = f"org-{membership.organization_id}-{membership.role}"
        if name not in groups:
            groups[name], _created = Group.objects.get_or_create(name=name)
        membership.user.groups.add(groups[name])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_membership_branch"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
