-- Delivery (DORA) per stack and week, last 90 days, from the deploy workflow's
-- DeploymentCompleted events: deployments, failed ones, the change failure rate of failed
-- deploys alone (the dashboard adds critical incidents after a deploy), and the median and
-- 90th percentile lead time from commit to deploy in hours.
SELECT
    date_trunc('week', date_parse(dt, '%Y-%m-%d')) AS week,
    detail.stack AS stack,
    count(*) AS deployments,
    count_if(detail.outcome = 'failed') AS failed,
    CAST(count_if(detail.outcome = 'failed') AS double) / count(*) AS change_failure_rate,
    approx_percentile(detail.lead_time_seconds, 0.5) / 3600.0 AS lead_time_p50_hours,
    approx_percentile(detail.lead_time_seconds, 0.9) / 3600.0 AS lead_time_p90_hours
FROM events
WHERE event_type = 'DeploymentCompleted'
  AND dt >= date_format(current_date - INTERVAL '90' DAY, '%Y-%m-%d')
GROUP BY 1, 2
ORDER BY 1, 2
