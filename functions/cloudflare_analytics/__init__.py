"""Reads the Cloudflare zone's GraphQL analytics into CloudWatch metrics."""
