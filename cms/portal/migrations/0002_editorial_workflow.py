"""Editorial workflow 审核发布: editors draft and submit, moderators (审核人) approve and publish.

* group "Editors" may add and edit pages under the root but not publish (its publish and bulk
  delete grants, if any, are removed);
* group "Moderators" may add, edit, publish, lock and unlock;
* a workflow "审核发布" with one GroupApprovalTask "审核人审核" for the Moderators is assigned to
  the portal's home page, so every portal page goes through it;
* both groups may view the event registrations (the snippet list in the admin).
"""

from django.db import migrations

WORKFLOW = "审核发布"
TASK = "审核人审核"
EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page"]
MODERATOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]


def _permission(apps, app_label, model, codename, name):
    ContentType = apps.get_model("contenttypes.ContentType")
    Permission = apps.get_model("auth.Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    return permission


def forwards(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Page = apps.get_model("wagtailcore.Page")
    GroupPagePermission = apps.get_model("wagtailcore.GroupPagePermission")
    Workflow = apps.get_model("wagtailcore.Workflow")
    WorkflowTask = apps.get_model("wagtailcore.WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore.WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore.GroupApprovalTask")
    ContentType = apps.get_model("contenttypes.ContentType")

    editors, _ = Group.objects.get_or_create(name="Editors")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    access_admin = _permission(apps, "wagtailadmin", "admin", "access_admin", "Can access Wagtail admin")
    view_registrations = _permission(
        apps, "portal", "eventregistration", "view_eventregistration", "Can view 活动报名"
    )
    for group in (editors, moderators):
        group.permissions.add(access_admin, view_registrations)

    root = Page.objects.filter(depth=1).order_by("path").first()
    if root is not None:
        for group, codenames in (
            (editors, EDITOR_PAGE_PERMISSIONS),
            (moderators, MODERATOR_PAGE_PERMISSIONS),
        ):
            for codename in codenames:
                permission = _permission(apps, "wagtailcore", "page", codename, codename)
                GroupPagePermission.objects.get_or_create(
                    group=group, page=root, permission=permission
                )
        GroupPagePermission.objects.filter(
            group=editors, permission__codename__in=["publish_page", "bulk_delete_page"]
        ).delete()

    home = Page.objects.filter(depth=2, content_type__app_label="home", content_type__model="homepage").first()
    task_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task = GroupApprovalTask.objects.filter(name=TASK).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK, content_type=task_type, active=True)
    task.groups.set([moderators])
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    if home is not None:
        WorkflowPage.objects.update_or_create(page=home, defaults={"workflow": workflow})


def backwards(apps, schema_editor):
    Workflow = apps.get_model("wagtailcore.Workflow")
    GroupApprovalTask = apps.get_model("wagtailcore.GroupApprovalTask")
    Workflow.objects.filter(name=WORKFLOW).delete()
    GroupApprovalTask.objects.filter(name=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_portal_pages"),
        ("home", "0002_create_homepage"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
