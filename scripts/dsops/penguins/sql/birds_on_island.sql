-- Birds of each species sampled on one island. The island is a parameter (:island),
-- bound by the database driver: the value travels apart from the SQL text, so no
-- island name, however odd, can change what the query does.
SELECT species, count(*) AS birds
FROM penguins
WHERE island = :island
GROUP BY species
ORDER BY species
