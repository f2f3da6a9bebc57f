"""The NYC flights 2013 recipe: raw tables, parsers, cleaning steps, ETL into DuckDB."""
