#!/usr/bin/env python3
"""The API floor of `ecs-lens scan --source aws`: what any scanner of every family's latest
ACTIVE task definition must at least do, and nothing more — list the ACTIVE families (every
page) and describe each one by its bare name with its tags, as ecs-lens does. No linting, no
output beyond a count.

    bench_scan_floor.py [--threads N]        (N = 1: one describe after the other)

Configuration comes from boto3's default chain (AWS_ENDPOINT_URL, AWS_REGION, credentials).
Run by scripts/bench-scan.sh with the interpreter of moto's virtualenv (.venv-moto), which has boto3.
"""

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="describes at once (default 1)")
    args = parser.parse_args()

    ecs = boto3.client("ecs")
    families = []
    for page in ecs.get_paginator("list_task_definition_families").paginate(status="ACTIVE"):
        families.extend(page["families"])

    def describe(family: str) -> str:
        out = ecs.describe_task_definition(taskDefinition=family, include=["TAGS"])
        return out["taskDefinition"]["taskDefinitionArn"]

    if args.threads > 1:
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            arns = list(pool.map(describe, families))
    else:
        arns = [describe(f) for f in families]
    print(f"described {len(arns)} of {len(families)} families", file=sys.stderr)
    return 0 if len(arns) == len(families) else 1


if __name__ == "__main__":
    sys.exit(main())
