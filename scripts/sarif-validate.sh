#!/usr/bin/env bash
# Validate SARIF logs with Microsoft's SARIF multitool (npm @microsoft/sarif-multitool, a
# self-contained .NET build installed by `scripts/setup.sh --test` into end2end/node_modules):
# the SARIF 2.1.0 schema plus its SARIF rules (URIs, regions, unique tags …).
#
#   scripts/sarif-validate.sh FILE.sarif...
#
# Fails when the validator reports any error or warning (its exit code says only whether it
# ran, so its own SARIF output is read), listing them; notes (style advice such as "prefer a
# helpUri") are not failures.
set -euo pipefail
cd "$(dirname "$0")/.."
tool=end2end/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
[ -x "$tool" ] || { echo "sarif-validate.sh: $tool is missing: run scripts/setup.sh --test" >&2; exit 2; }
# No libicu needed: the tool only compares invariant strings.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failed=0
for f in "$@"; do
  "$tool" validate "$f" --output "$out/result.sarif" --log ForceOverwrite --quiet true
  if ! node -e '
    const log = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const bad = log.runs.flatMap(r => r.results || []).filter(r => r.level === "error" || r.level === "warning");
    for (const r of bad) console.error(`  ${r.level} ${r.ruleId}: ${(r.message.arguments || []).join(" | ")}`);
    process.exit(bad.length ? 1 : 0);
  ' "$out/result.sarif"; then
    echo "sarif-validate.sh: $f is not valid SARIF (above)" >&2
    failed=1
  else
    echo "sarif-validate.sh: $f valid" >&2
  fi
done
exit "$failed"
