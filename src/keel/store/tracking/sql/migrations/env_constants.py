"""Names shared by the Alembic environment and the code that runs it."""

VERSION_TABLE = "keel_alembic_version"
