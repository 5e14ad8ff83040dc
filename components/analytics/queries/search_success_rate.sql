-- Search success rate per day: share of searches that returned at least one result.
SELECT
    dt AS day,
    count(*) AS searches,
    count_if(detail.result_count > 0) AS searches_with_results,
    CAST(count_if(detail.result_count > 0) AS double) / nullif(count(*), 0) AS success_rate
FROM events
WHERE event_type = 'SearchPerformed'
  AND dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')
GROUP BY dt
ORDER BY dt
