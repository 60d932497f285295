"""Alembic migration environment (shipped as a package so installed copies can migrate)."""
