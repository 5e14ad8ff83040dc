-- Revenue per day and currency, last 30 days, in the currency's minor unit (cents, yen).
SELECT
    dt AS day,
    detail.currency AS currency,
    count(DISTINCT detail.payment_id) AS payments,
    sum(detail.amount_minor) AS revenue_minor
FROM events
WHERE event_type = 'PaymentCompleted'
  AND dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')
GROUP BY dt, detail.currency
ORDER BY dt, currency
