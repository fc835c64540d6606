-- name, email of the customers in :country, ordered by name.
SELECT name, email
FROM customers
WHERE country = :country
ORDER BY name;
