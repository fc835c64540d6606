-- name, joined_on of the customers who joined during 2024; earliest first, then by name.
SELECT name, joined_on
FROM customers
WHERE joined_on BETWEEN '2024-01-01' AND '2024-12-31'
ORDER BY joined_on, name;
