"""Settings split by environment: base (shared), dev (demo), test, prod."""
