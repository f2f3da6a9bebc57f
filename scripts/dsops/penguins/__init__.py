"""The Palmer penguins: schemas, the ETL step, exploration helpers, the body-mass model
and its training step. Any section may use it; it never imports another domain."""
