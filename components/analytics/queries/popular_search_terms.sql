-- Popular search terms, last 7 days (normalised: trimmed, lower case).
SELECT
    lower(trim(detail.query)) AS term,
    count(*) AS searches,
    count_if(detail.result_count > 0) AS searches_with_results
FROM events
WHERE event_type = 'SearchPerformed'
  AND dt >= date_format(current_date - INTERVAL '7' DAY, '%Y-%m-%d')
  AND length(trim(detail.query)) > 0
GROUP BY lower(trim(detail.query))
ORDER BY searches DESC
LIMIT 100
