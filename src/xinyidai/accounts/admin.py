from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Bank, Branch, DataProvider, Membership, Organization, Regulator, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("organization",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("平台信息", {"fields": ("display_name", "mobile")}),
    )
    list_display = ("username", "display_name", "email", "is_active", "is_staff")
    inlines = (MembershipInline,)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region_code", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "region_code")


class BranchInline(admin.TabularInline):
    model = Branch
    extra = 0


@admin.register(Bank)
class BankAdmin(admin.ModelAdmin):
    list_display = ("__str__", "licence_number")
    search_fields = ("organization__name", "licence_number")
    list_select_related = ("organization",)
    inlines = (BranchInline,)


@admin.register(Regulator)
class RegulatorAdmin(admin.ModelAdmin):
    list_display = ("__str__", "jurisdiction")
    list_select_related = ("organization",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role", "is_active")
    list_filter = ("role", "is_active")
    list_select_related = ("user", "organization")
    search_fields = ("user__username", "organization__name")


@admin.register(DataProvider)
class DataProviderAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind")
    list_filter = ("kind",)
    list_select_related = ("organization",)
