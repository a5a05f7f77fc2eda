"""Database: ORM models, sessions and Alembic migrations."""
