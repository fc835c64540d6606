-- id, total_cents of the paid orders of at least :min_cents; largest first, then by id.
SELECT id, total_cents
FROM orders
WHERE status = 'paid'
  AND total_cents >= :min_cents
ORDER BY total_cents DESC, id;
