"""Users, organizations of every kind, memberships and roles, banks, branches, regulators."""
