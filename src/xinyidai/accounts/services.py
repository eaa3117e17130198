"""Writes for identity: organizations, memberships, banks, regulators."""

from __future__ import annotations

from django.db import transaction

from xinyidai.core.models import audit

from .models import Bank, Branch, DataProvider, Membership, Organization, Regulator, Role, User


@transaction.atomic
def organization_create(*, name: str, kind: str, region_code: str) -> Organization:
    organization = Organization(name=name, kind=kind, region_code=region_code)
    organization.full_clean()
    organization.save()
    audit(action="organization.create", organization=organization, obj=organization)
    return organization


@transaction.atomic
def membership_grant(
    *,
    user: User,
    organization: Organization,
    role: str,
    granted_by: User | None = None,
    branch: Branch | None = None,
) -> Membership:
    membership, _created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    membership.role = Role(role)
    membership.branch = branch
    membership.is_active = True
    membership.full_clean()
    membership.save()
    _sync_role_groups(membership)
    audit(
        action="membership.grant",
        actor=granted_by,
        organization=organization,
        obj=membership,
        data={"user": user.username, "role": role, "branch": branch.code if branch else None},
    )
    return membership


def role_group_name(organization_id: int, role: str) -> str:
    return f"org-{organization_id}-{role}"


def _sync_role_groups(membership: Membership) -> None:
    """Keep the user in the group of their role in this organization (and in no other role's
    group of it): object permissions granted to a role group follow the membership."""
    from django.contrib.auth.models import Group

    prefix = f"org-{membership.organization_id}-"
    wanted = role_group_name(membership.organization_id, membership.role)
    stale = membership.user.groups.filter(name__startswith=prefix).exclude(name=wanted)
    membership.user.groups.remove(*stale)
    if membership.is_active:
        group, _created = Group.objects.get_or_create(name=wanted)
        membership.user.groups.add(group)


@transaction.atomic
def bank_create(
    *,
    name: str,
    short_name: str,
    licence_number: str,
    head_office_region: str,
    head_office_code: str = "0001",
) -> Bank:
    organization = organization_create(
        name=name, kind=Organization.Kind.BANK, region_code=head_office_region
    )
    bank = Bank(organization=organization, licence_number=licence_number, short_name=short_name)
    bank.full_clean()
    bank.save()
    branch_create(
        bank=bank,
        name=f"{name}（总行）",
        code=head_office_code,
        region_code=head_office_region,
        is_head_office=True,
    )
    return bank


@transaction.atomic
def branch_create(
    *, bank: Bank, name: str, code: str, region_code: str, is_head_office: bool = False
) -> Branch:
    branch = Branch(
        bank=bank, name=name, code=code, region_code=region_code, is_head_office=is_head_office
    )
    branch.full_clean()
    branch.save()
    audit(action="branch.create", organization=bank.organization, obj=branch)
    return branch


@transaction.atomic
def regulator_create(*, name: str, jurisdiction: str, region_code: str) -> Regulator:
    organization = organization_create(
        name=name, kind=Organization.Kind.REGULATOR, region_code=region_code
    )
    regulator = Regulator(organization=organization, jurisdiction=jurisdiction)
    regulator.full_clean()
    regulator.save()
    return regulator


@transaction.atomic
def data_provider_create(*, name: str, kind: str, region_code: str) -> DataProvider:
    organization = organization_create(
        name=name, kind=Organization.Kind.DATA_PROVIDER, region_code=region_code
    )
    provider = DataProvider(organization=organization, kind=kind)
    provider.full_clean()
    provider.save()
    return provider
