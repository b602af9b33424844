"""Data for scripts/bench-scale.sh: N families x R revisions of varied task definitions.

  python scripts/bench_scale_data.py moto N R          register them in moto (AWS_ENDPOINT_URL) with
                                                        boto3, deregister some, and create two clusters
                                                        with services running some revisions
  python scripts/bench_scale_data.py files N R DIR      write them as register-input files into DIR
  python scripts/bench_scale_data.py floor              the API floor: a minimal boto3 loop listing every
                                                        revision (ACTIVE and INACTIVE) and describing each;
                                                        prints "<revisions> <seconds>"

The task definitions come from the corpus fixtures (tests/fixtures/corpus), renamed and varied:
images and tags, environment values, sizes; one family in five carries plaintext credentials
(DD_API_KEY, MYSQL_PW with made-up values), so the audit has something to find.
"""
import json
import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
READ_ONLY = {"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
             "registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt"}
WORDS = ["orders", "billing", "search", "auth", "media", "report", "notify", "catalog", "cart",
         "ledger", "ingest", "export", "pricing", "profile", "review", "stock", "ship", "gateway"]


def templates():
    corpus = os.path.join(ROOT, "tests", "fixtures", "corpus")
    out = []
    for name in sorted(os.listdir(corpus)):
        if not name.endswith(".json"):
            continue
        doc = json.load(open(os.path.join(corpus, name)))
        td = doc["taskDefinition"] if "taskDefinition" in doc else doc
        td = {k: v for k, v in td.items() if k not in READ_ONLY and k != "tags"}
        out.append(td)
    return out


def family_name(i):
    return f"{WORDS[i % len(WORDS)]}-{WORDS[(i // len(WORDS)) % len(WORDS)]}-{i:05d}"


def task_definition(base, family, i, r):
    rnd = random.Random(i * 1000 + r)
    td = json.loads(json.dumps(base))
    td["family"] = family
    for c in td.get("containerDefinitions", []):
        image = c.get("image", "nginx")
        repo = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
        c["image"] = f"{repo}:{1 + r}.{rnd.randint(0, 20)}.{rnd.randint(0, 9)}"
        env = c.setdefault("environment", [])
        env.append({"name": "RELEASE", "value": f"r{r}-{rnd.randint(1000, 9999)}"})
        if i % 5 == 0 and c.get("essential", True):
            # The API key stays across revisions (as real ones do), the password changes.
            env.append({"name": "DD_API_KEY", "value": "%032x" % random.Random(i).getrandbits(128)})
            env.append({"name": "MYSQL_PW", "value": "pw-%012x" % rnd.getrandbits(48)})
    return td


def generate(n, revisions):
    bases = templates()
    for i in range(n):
        family = family_name(i)
        for r in range(revisions):
            yield i, r, task_definition(bases[i % len(bases)], family, i, r)


def ecs():
    import boto3
    return boto3.client("ecs")


def to_moto(n, revisions):
    client = ecs()
    started = time.time()
    count = 0
    for i, r, td in generate(n, revisions):
        client.register_task_definition(**td)
        count += 1
        if count % 1000 == 0:
            print(f"  {count} registered ({time.time() - started:.0f} s)", file=sys.stderr)
    # Some revisions deregistered: the oldest of every third family.
    for i in range(0, n, 3):
        if revisions > 1:
            client.deregister_task_definition(taskDefinition=f"{family_name(i)}:1")
    # Two clusters; one family in ten runs as a service, some on an older revision.
    for cluster in ["prod", "staging"]:
        client.create_cluster(clusterName=cluster)
    services = 0
    for i in range(0, n, 10):
        family = family_name(i)
        revision = revisions if i % 20 else max(1, revisions - 1)
        if i % 3 == 0 and revision == 1:
            revision = revisions
        cluster = "prod" if i % 20 else "staging"
        client.create_service(cluster=cluster, serviceName=f"svc-{family}", taskDefinition=f"{family}:{revision}",
                              desiredCount=1)
        services += 1
    print(f"registered {count} task definitions of {n} families, {services} services, "
          f"in {time.time() - started:.1f} s", file=sys.stderr)


def to_files(n, revisions, directory):
    os.makedirs(directory, exist_ok=True)
    paths = []
    for i, r, td in generate(n, revisions):
        path = os.path.join(directory, f"{i:05d}-{r}.json")
        with open(path, "w") as f:
            json.dump(td, f)
        paths.append(path)
    print(f"wrote {len(paths)} files into {directory}", file=sys.stderr)


def floor():
    client = ecs()
    started = time.time()
    arns = []
    for status in ["ACTIVE", "INACTIVE"]:
        for page in client.get_paginator("list_task_definitions").paginate(status=status):
            arns.extend(page["taskDefinitionArns"])
    for arn in arns:
        client.describe_task_definition(taskDefinition=arn, include=["TAGS"])
    print(f"{len(arns)} {time.time() - started:.3f}")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "moto":
        to_moto(int(sys.argv[2]), int(sys.argv[3]))
    elif mode == "files":
        to_files(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif mode == "floor":
        floor()
    else:
        sys.exit(f"unknown mode {mode}")
