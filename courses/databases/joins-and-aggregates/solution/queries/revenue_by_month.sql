-- month ('YYYY-MM'), order_count, revenue_cents of the paid orders, per month, oldest first.
SELECT strftime('%Y-%m', placed_on) AS month,
       COUNT(*) AS order_count,
       SUM(total_cents) AS revenue_cents
FROM orders
WHERE status = 'paid'
GROUP BY month
ORDER BY month;
