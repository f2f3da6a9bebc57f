"""Alembic's entry point: connect to the database named in the configuration (a DuckDB
file, through duckdb-engine) and run the migrations in one transaction."""

from alembic import context
from alembic.ddl.impl import DefaultImpl
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool


class AlembicDuckDBImpl(DefaultImpl):
    """Tells Alembic how to speak to the `duckdb` dialect: as to a generic SQL database,
    whose schema changes (DDL) run inside transactions, so a failed migration leaves
    nothing half done."""

    __dialect__ = "duckdb"
    transactional_ddl = True


def run_migrations() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(url, poolclass=NullPool)  # one connection, closed at the end
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=False)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
