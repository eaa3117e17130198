"""Editorial workflow 审核发布 and the 惠企政策直达 publishing hook."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Workflow
from wagtail.test.utils.form_data import querydict_from_html

from cms.portal.models import PolicyPage
from tests.cms.conftest import add_policy, policy_values
from xinyidai.policies.models import PolicyNotice

pytestmark = pytest.mark.django_db


def test_the_portal_pages_use_the_review_workflow(home, policy_index):
    assert home.get_workflow().name == "审核发布"
    assert policy_index.get_workflow().name == "审核发布"
    task = Workflow.objects.get(name="审核发布").tasks.get().specific
    assert list(task.groups.values_list("name", flat=True)) == ["Moderators"]


def test_an_editor_can_edit_but_not_publish(policy_index, editor, moderator):
    draft = add_policy(policy_index, live=False)
    editor_perms = draft.permissions_for_user(editor)
    assert editor_perms.can_edit()
    assert not editor_perms.can_publish()
    assert policy_index.permissions_for_user(editor).can_add_subpage()
    assert draft.permissions_for_user(moderator).can_publish()


def test_an_editors_publish_request_in_the_admin_does_not_publish(client, policy_index, editor):
    draft = add_policy(policy_index, live=False)
    client.force_login(editor)
    edit = f"/cms/pages/{draft.pk}/edit/"
    page = client.get(edit).content.decode()
    assert "action-publish" not in page  # no publish button for an editor
    data = querydict_from_html(page, form_id="page-edit-form").copy()
    data["title"] = "编辑修改后的标题"
    data.update({"body-count": "0", "attachments-count": "0"})  # StreamFields are drawn by JS
    data["action-publish"] = "action-publish"
    response = client.post(edit, data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert not draft.live
    assert draft.get_latest_revision().as_object().title == "编辑修改后的标题"  # saved as a draft
    assert not PolicyNotice.objects.filter(page_id=draft.pk).exists()


def test_submit_then_moderator_approval_publishes_and_indexes_the_policy(
    client, policy_index, editor, moderator
):
    draft = add_policy(policy_index, live=False)
    revision = draft.save_revision(user=editor)
    workflow = draft.get_workflow()
    state = workflow.start(draft, editor)
    draft.refresh_from_db()
    assert state.status == "in_progress"
    assert not draft.live
    assert client.get(draft.url or "/zhengce/first-loan-subsidy/").status_code == 404
    assert not PolicyNotice.objects.filter(page_id=draft.pk).exists()

    task_state = state.current_task_state
    assert task_state.task.specific.user_can_access_editor(draft, moderator)
    task_state.task.specific.on_action(task_state, moderator, "approve")

    draft.refresh_from_db()
    assert draft.live
    assert draft.live_revision_id is not None
    assert draft.live_revision_id >= revision.pk
    assert client.get("/zhengce/first-loan-subsidy/").status_code == 200
    notice = PolicyNotice.objects.get(page_id=draft.pk)
    assert (notice.title, notice.document_number, notice.region_prefixes, notice.is_live) == (
        "肇庆市支持小微企业首贷贴息办法",
        "肇府办〔2026〕8号",
        ["4412"],
        True,
    )
    assert notice.url == "/zhengce/first-loan-subsidy/"


def test_publishing_a_policy_writes_its_tags_to_the_index(policy_index):
    page = add_policy(
        policy_index,
        regions=["44"],
        industries=["A", "C"],
        sizes=["micro"],
        scenarios=["agriculture"],
    )
    notice = PolicyNotice.objects.get(page_id=page.pk)
    assert notice.region_prefixes == ["44"]
    assert notice.industry_labels[0].startswith("A ")
    assert notice.size_labels == ["微型"]
    assert notice.scenario_labels == ["涉农贷"]
    assert notice.authority == "肇庆市人民政府办公室"


def test_a_republication_updates_the_index_entry(policy_index):
    page = add_policy(policy_index)
    page.title = "肇庆市支持小微企业首贷贴息办法（修订）"
    page.save_revision().publish()
    assert (
        PolicyNotice.objects.get(page_id=page.pk).title == "肇庆市支持小微企业首贷贴息办法（修订）"
    )
    assert PolicyNotice.objects.count() == 1


def test_unpublishing_takes_the_policy_off_the_index(policy_index):
    page = add_policy(policy_index)
    page.unpublish()
    assert PolicyNotice.objects.get(page_id=page.pk).is_live is False


def test_deleting_takes_the_policy_off_the_index(policy_index):
    page = add_policy(policy_index)
    page_id = page.pk
    page.delete()
    assert not PolicyPage.objects.filter(pk=page_id).exists()
    assert PolicyNotice.objects.get(page_id=page_id).is_live is False


def test_a_policy_with_an_unknown_industry_is_not_published(policy_index):
    assert policy_values()["industries"] == []
    page = add_policy(policy_index, live=False)
    PolicyPage.objects.filter(pk=page.pk).update(industries=["Z"])  # bypassing the form
    page.refresh_from_db()
    # The page's own check names the field ...
    with pytest.raises(ValidationError, match="未知的选项：Z"):
        page.full_clean()
    # ... and publishing checks the page again: it stays a draft, the index has no entry.
    with pytest.raises(ValidationError, match="未知的选项：Z"):
        page.save_revision(clean=False).publish()
    assert not PolicyPage.objects.get(pk=page.pk).live
    assert not PolicyNotice.objects.filter(page_id=page.pk).exists()
