-- Incident response per severity and week of the raise, last 90 days, from the incident
-- records (docs/alerting.md#incident-records). An episode is an alert key and the
-- first_seen of its ALARM, read in one pass; duplicates of a record (PutEvents is at least
-- once) fold into one.
-- MTTA: raise to the Slack Acknowledge; MTTR: raise to the resolve (the alarm's OK or the
-- Slack Resolve), both in minutes, with the 90th percentile of MTTR.
WITH episodes AS (
    SELECT detail.alert_key AS alert_key, detail.first_seen AS first_seen,
           arbitrary(detail.severity) FILTER (WHERE event_type = 'AlertRaised') AS severity,
           min(detail.ack_seconds) FILTER (WHERE event_type = 'AlertAcknowledged')
               AS ack_seconds,
           min(detail.resolve_seconds) FILTER (WHERE event_type = 'AlertResolved')
               AS resolve_seconds
    FROM events
    WHERE event_type IN ('AlertRaised', 'AlertAcknowledged', 'AlertResolved')
      AND dt >= date_format(current_date - INTERVAL '90' DAY, '%Y-%m-%d')
    GROUP BY 1, 2
    HAVING count_if(event_type = 'AlertRaised') > 0
)
SELECT
    date_trunc('week', from_unixtime(first_seen)) AS week,
    severity,
    count(*) AS raised,
    count(ack_seconds) AS acknowledged,
    count(resolve_seconds) AS resolved,
    avg(ack_seconds) / 60.0 AS mtta_minutes,
    avg(resolve_seconds) / 60.0 AS mttr_minutes,
    approx_percentile(resolve_seconds, 0.9) / 60.0 AS mttr_p90_minutes
FROM episodes
GROUP BY 1, 2
ORDER BY 1, 2
