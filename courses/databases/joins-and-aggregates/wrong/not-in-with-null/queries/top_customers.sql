-- name, order_count, total_cents of the 3 customers with the highest total of PAID orders;
-- highest first, ties by name.
SELECT c.name, COUNT(*) AS order_count, SUM(o.total_cents) AS total_cents
FROM customers AS c
JOIN orders AS o ON o.customer_id = c.id
WHERE o.status = 'paid'
GROUP BY c.id
ORDER BY total_cents DESC, c.name
LIMIT 3;
