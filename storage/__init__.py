"""Persistence: SQLAlchemy models, repositories, unit of work and migrations."""
