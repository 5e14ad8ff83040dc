"""Purges a changed listing's cached pages from Cloudflare and CloudFront."""
