-- Daily active users: distinct users who viewed, searched, contacted or registered, last 30 days.
SELECT
    dt AS day,
    count(DISTINCT detail.user_id) AS active_users
FROM events
WHERE dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')
  AND detail.user_id IS NOT NULL
GROUP BY dt
ORDER BY dt
