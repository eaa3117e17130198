"""Cross-cutting pieces: encrypted fields, health check, workspace shell."""
