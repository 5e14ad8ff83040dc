-- Customer satisfaction per week, last 90 days: NPS (% promoters 9-10 minus % detractors
-- 0-6) and the mean CSAT (1-5), with the number of answers behind each.
SELECT
    date_trunc('week', from_iso8601_timestamp(event_time)) AS week,
    count_if(detail.survey = 'nps') AS nps_responses,
    100.0 * (count_if(detail.survey = 'nps' AND detail.score >= 9)
             - count_if(detail.survey = 'nps' AND detail.score <= 6))
        / nullif(count_if(detail.survey = 'nps'), 0) AS nps,
    count_if(detail.survey = 'csat') AS csat_responses,
    avg(CASE WHEN detail.survey = 'csat' THEN detail.score END) AS csat
FROM events
WHERE event_type = 'SurveyAnswered'
  AND dt >= date_format(current_date - INTERVAL '90' DAY, '%Y-%m-%d')
GROUP BY date_trunc('week', from_iso8601_timestamp(event_time))
ORDER BY week
