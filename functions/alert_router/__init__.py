"""The alert router: SNS notifications in, deduplicated Slack and PagerDuty messages out."""
