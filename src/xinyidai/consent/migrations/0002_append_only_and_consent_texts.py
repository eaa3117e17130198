"""The access log refuses UPDATE and DELETE in the database itself; the first consent texts."""

from django.db import migrations

TABLE = "consent_accesslogentry"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION consent_access_log_refuse() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'access log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER consent_access_log_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION consent_access_log_refuse();
CREATE TRIGGER consent_access_log_no_delete BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION consent_access_log_refuse();
"""
POSTGRES_DOWN = f"""
DROP TRIGGER IF EXISTS consent_access_log_no_update ON {TABLE};
DROP TRIGGER IF EXISTS consent_access_log_no_delete ON {TABLE};
DROP FUNCTION IF EXISTS consent_access_log_refuse();
"""
SQLITE_UP = [
    f"""CREATE TRIGGER consent_access_log_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'access log is append-only: UPDATE refused'); END;""",
    f"""CREATE TRIGGER consent_access_log_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'access log is append-only: DELETE refused'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS consent_access_log_no_update;",
    "DROP TRIGGER IF EXISTS consent_access_log_no_delete;",
]

TEXTS = {
    "pre_loan": (
        "本企业同意授权{bank}（以下简称“被授权机构”）通过信易贷平台查询本企业的信用信息，"
        "用于本企业贷款申请的贷前审查。查询的数据范围、历史期间、有效期、每月查询次数上限及"
        "数据保存期限以本授权页面所列为准。被授权机构应仅在上述用途和范围内使用所获信息，"
        "不得向第三方提供，并在保存期限届满后删除。本企业可随时暂停或撤销本授权，"
        "撤销后被授权机构不得再查询。法定代表人个人信息须经单独同意方可查询。"
    ),
    "post_loan": (
        "本企业同意授权{bank}通过信易贷平台查询本企业的信用信息，用于已发放贷款的贷后管理。"
        "查询的数据范围、历史期间、有效期、每月查询次数上限及数据保存期限以本授权页面所列为准。"
        "被授权机构应仅在上述用途和范围内使用所获信息，不得向第三方提供，并在保存期限届满后删除。"
        "本企业可随时暂停或撤销本授权。法定代表人个人信息须经单独同意方可查询。"
    ),
    "joint_modelling": (
        "本企业同意授权{bank}通过信易贷平台使用本企业的信用信息进行联合建模，"
        "仅用于改进风险评估模型，不得用于其他目的或向第三方提供。数据范围、历史期间、有效期及"
        "数据保存期限以本授权页面所列为准。本企业可随时暂停或撤销本授权。"
    ),
}


def forwards(apps, schema_editor):
    import hashlib

    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    ConsentText = apps.get_model("consent", "ConsentText")
    for purpose, body in TEXTS.items():
        ConsentText.objects.get_or_create(
            purpose=purpose,
            version=1,
            defaults={"body": body, "sha256": hashlib.sha256(body.encode()).hexdigest()},
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
