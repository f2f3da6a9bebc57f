-- Birds and mean body mass per species and sex in the penguins table: the check that a
-- load is complete, run by `dsops etl` on the DuckDB file it wrote and by
-- `dsops load-db` on the database it loaded. Plain SQL that DuckDB and PostgreSQL
-- both run, giving the same rows in the same order (missing sex last).
SELECT species, sex, count(*) AS birds, avg(body_mass_g) AS mean_mass_g
FROM penguins
GROUP BY species, sex
ORDER BY species, sex NULLS LAST
