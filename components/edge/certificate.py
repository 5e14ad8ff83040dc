"""The CloudFront certificate: ACM in us-east-1, validated by DNS records in Cloudflare."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_cloudflare as cloudflare

from components.platform.context import StackContext


@dataclass(frozen=True)
class EdgeCertificateArgs:
    """Inputs of :class:`EdgeCertificate`.

    ``names`` are the certificate's names (the first is the subject); the context's
    ``us_east_1`` is the provider CloudFront certificates must live in; ``cloudflare`` writes
    the validation records into ``zone_id`` so the certificate validates without leaving the
    stack.
    """

    context: StackContext
    names: Sequence[str]
    cloudflare: cloudflare.Provider
    zone_id: str


def _record_field(options: list[dict] | list[object], domain: str, field: str) -> str:
    for option in options:
        get = option.get if isinstance(option, dict) else lambda k, o=option: getattr(o, k)
        if get("domain_name") == domain:
            return str(get(field))
    raise ValueError(f"ACM returned no validation option for {domain}")


class EdgeCertificate(pulumi.ComponentResource):
    """A DNS-validated ACM certificate for the distribution's names, in us-east-1."""

    certificate: aws.acm.Certificate
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: EdgeCertificateArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:edge:EdgeCertificate", name, None, opts)
        names = list(args.names)
        self.certificate = aws.acm.Certificate(
            f"{name}-certificate",
            domain_name=names[0],
            subject_alternative_names=names[1:],
            validation_method="DNS",
            key_algorithm="EC_prime256v1",
            options=aws.acm.CertificateOptionsArgs(
                certificate_transparency_logging_preference="ENABLED"),
            opts=pulumi.ResourceOptions(parent=self, provider=args.context.us_east_1),
        )
        options = self.certificate.domain_validation_options
        fqdns = []
        # One record per name known up front, so no resource is created inside apply.
        for index, domain in enumerate(names):
            record = cloudflare.DnsRecord(
                f"{name}-validation-{index}",
                zone_id=args.zone_id,
                name=options.apply(
                    lambda o, d=domain: _record_field(o, d, "resource_record_name").rstrip(".")),
                type="CNAME",
                content=options.apply(
                    lambda o, d=domain: _record_field(o, d, "resource_record_value").rstrip(".")),
                proxied=False,  # ACM must see its own CNAME target, not Cloudflare's
                ttl=60,
                comment=f"ACM DNS validation of {domain} (managed by Pulumi)",
                opts=pulumi.ResourceOptions(parent=self, provider=args.cloudflare),
            )
            fqdns.append(record.name)
        validation = aws.acm.CertificateValidation(
            f"{name}-validation",
            certificate_arn=self.certificate.arn,
            validation_record_fqdns=fqdns,
            opts=pulumi.ResourceOptions(parent=self, provider=args.context.us_east_1),
        )
        # Consumers get the ARN only once ACM has issued the certificate.
        self.arn = validation.certificate_arn
        self.register_outputs({"arn": self.arn})
