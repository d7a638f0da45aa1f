#!/usr/bin/env bash
# npm run lint, after Biome: the packaged CloudFormation template through cfn-lint, AWS's CloudFormation linter.
# A green lint means the template was linted: without cfn-lint this says so in one line and fails.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "npm run lint: cfn-lint is not installed (pip install cfn-lint), so the template was not linted" >&2
  exit 1
fi

template=.serverless/cloudformation-template-update-stack.json
if ! out=$(SLS_TELEMETRY_DISABLED=1 npx --no-install serverless package 2>&1); then
  echo "$out" >&2
  echo "npm run lint: serverless package failed, so the template was not linted" >&2
  exit 1
fi

# W3005 ("dependency already enforced by a GetAtt") is osls's own doing: it adds DependsOn on a function's
# role besides the role's GetAtt, and no setting turns that off. Every other finding fails the lint.
cfn-lint --ignore-checks W3005 -- "$template"
echo "cfn-lint: $template is clean"
