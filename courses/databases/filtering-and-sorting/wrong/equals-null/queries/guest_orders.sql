-- id, placed_on, total_cents of the orders without a customer; oldest first, then by id.
SELECT id, placed_on, total_cents
FROM orders
WHERE customer_id = NULL
ORDER BY placed_on, id;
