from django.contrib import admin

from .models import Enterprise


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("uscc", "name", "region_code", "industry_code", "size_class", "status")
    list_filter = ("size_class", "industry_section", "status")
    search_fields = ("uscc", "name")
    readonly_fields = ("industry_section", "size_class", "masked_id", "created_at", "updated_at")
    exclude = ("legal_rep_id_number",)
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)

    @admin.display(description="法定代表人身份证号码")
    def masked_id(self, obj: Enterprise) -> str:
        return obj.legal_rep_id_masked
