"""The Slack app's interactivity endpoint: Acknowledge, Resolve and Silence 1 h on alerts."""
