#!/usr/bin/env bash
# The reliability suite (tests/reliability): drift detected by check mode and repaired, a converge
# killed at several points and rerun without duplicates, bad input refused before any AWS call.
#   tools/reliability.sh [--converged] [pytest arguments]
# It works on the environment `molecule` in the emulator on $WEBCAST_EMULATOR_PORT (4567, the
# tests' own). Alone (`make test-reliability`), it starts the emulator and converges the environment
# first when they are not there (about 7 minutes), and stops what it started. With --converged (the
# stage `reliability` of `make test`, right after the platform scenario and the audit) it only runs
# the suite: the emulator must be running and `molecule` converged, or it fails at once. Either way
# it leaves `molecule` converged as it found it (the drift it makes is repaired), for the stages after.
# The figures go to .run/reliability-figures.json and are printed at the end.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"
export WEBCAST_EMULATOR_PORT="${WEBCAST_EMULATOR_PORT:-4567}"
export WEBCAST_AWS_ENDPOINT_URL="http://127.0.0.1:$WEBCAST_EMULATOR_PORT"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0
start=$SECONDS
converged_only=""
if [[ "${1:-}" == --converged ]]; then converged_only=yes; shift; fi

if [[ -n "$converged_only" ]] && ! python -m tools.emulator status >/dev/null; then
  echo "--converged: no emulator on port $WEBCAST_EMULATOR_PORT (the platform scenario leaves it running)" >&2
  exit 1
fi
if ! python -m tools.emulator status >/dev/null; then
  python -m tools.emulator start || exit 1
  trap 'python -m tools.emulator stop >/dev/null' EXIT
fi

converged() {  # does the emulator hold the environment molecule (its VPC, its alarms)?
  python - <<'PY'
import os, sys
import boto3
kw = dict(region_name="eu-west-1", endpoint_url=os.environ["WEBCAST_AWS_ENDPOINT_URL"],
          aws_access_key_id="testing", aws_secret_access_key="testing")
vpcs = boto3.client("ec2", **kw).describe_vpcs(Filters=[{"Name": "tag:Environment", "Values": ["molecule"]}])
alarms = boto3.client("cloudwatch", **kw).describe_alarms(AlarmNamePrefix="webcast-molecule-")
sys.exit(0 if vpcs["Vpcs"] and alarms["MetricAlarms"] else 1)
PY
}

if ! converged; then
  if [[ -n "$converged_only" ]]; then
    echo "--converged: the environment molecule is not converged on port $WEBCAST_EMULATOR_PORT" >&2
    exit 1
  fi
  echo "==> converging the environment molecule first (the platform scenario has not)"
  ansible-playbook -i inventories/local playbooks/emulator_image.yml -e webcast_env=molecule >/dev/null &&
    ansible-playbook -i inventories/local playbooks/site.yml -e webcast_env=molecule >/dev/null ||
    { echo "the converge of the environment molecule failed: run it by hand to see why" >&2; exit 1; }
fi

WEBCAST_RELIABILITY_ENDPOINT_URL="$WEBCAST_AWS_ENDPOINT_URL" pytest -q -p no:cacheprovider tests/reliability "$@"
status=$?
echo "==> reliability suite: $((SECONDS - start)) s, exit $status (figures: .run/reliability-figures.json)"
exit "$status"
