-- Listing views per day: total views, unique viewers and the most viewed listings, last 7 days.
SELECT
    dt AS day,
    detail.listing_id AS listing_id,
    count(*) AS views,
    count(DISTINCT detail.user_id) AS unique_viewers
FROM events
WHERE event_type = 'ListingViewed'
  AND dt >= date_format(current_date - INTERVAL '7' DAY, '%Y-%m-%d')
GROUP BY dt, detail.listing_id
ORDER BY dt, views DESC
