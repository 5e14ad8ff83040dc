"""The edge: Cloudflare zone, certificate, CloudFront distribution, WAF, access logs, CSP and
cache purging.

``component`` composes the parts; each part has its own module."""
