-- country, customer_count, order_count (any status, 0 if none), per country with customers, ordered by country.
SELECT c.country,
       COUNT(DISTINCT c.id) AS customer_count,
       COUNT(o.id) AS order_count
FROM customers AS c
LEFT JOIN orders AS o ON o.customer_id = c.id
GROUP BY c.country
ORDER BY c.country;
