#!/usr/bin/env bash
# The project's tests: lint, unit (pytest) and molecule, or only the stages named.
#   tools/test.sh [lint] [unit] [molecule]
# Every stage runs even when an earlier one failed; the exit status is non-zero if any failed.
# The tests get an emulator of their own on 127.0.0.1:4567, fresh for the run and stopped at the
# end, so they never touch the environment `make up` keeps on 4566.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"
export WEBCAST_EMULATOR_PORT=4567
export WEBCAST_AWS_ENDPOINT_URL="http://127.0.0.1:$WEBCAST_EMULATOR_PORT"
export ANSIBLE_FORCE_COLOR="${ANSIBLE_FORCE_COLOR:-0}"
export PY_COLORS="${PY_COLORS:-0}"

stages=("$@")
((${#stages[@]})) || stages=(lint unit molecule)
# The molecule stage runs two lanes side by side (docs/decisions/0028): the cloud lane (the tiers
# against the emulator, then the audit and the reliability suite on what they converged) and the host
# lane (each host role in a podman systemd container, then the golden image, baked or reused when
# current, booted alone). Each lane is mostly one busy process at a time, so on two cores they take
# little longer together than the longer alone. Then the live webcast (it needs the image and the
# converged environment) and, last, the lifecycle (it tears that environment down).
CLOUD_SCENARIOS=(platform)
HOST_SCENARIOS=(common hardening media_server cloudwatch_agent bootstrap efs_client ses_relay webcast_app)

# One line per stage ("name<TAB>status"), appended by the lanes' subshells too.
results="$(mktemp)"
pytest_summary=""
emulator_started=""
cleanup() {
  [[ -n "$emulator_started" ]] && python -m tools.emulator stop >/dev/null
  rm -f "$results"
}
trap cleanup EXIT
# Interrupted: stop the lanes too (they share this script's process group), then clean up.
trap 'trap - INT TERM; kill -TERM 0; exit 130' INT TERM

stage() {  # stage NAME COMMAND...: run, time and record one check
  local name="$1"; shift
  local start=$SECONDS status=ok
  echo "==> $name"
  "$@" || status=FAILED
  printf '%s\t%-7s %s s\n' "$name" "$status" "$((SECONDS - start))" >>"$results"
  [[ $status == ok ]]
}

lane() {  # lane NAME FUNCTION: run FUNCTION in the background, each output line prefixed [NAME]
  local name="$1" fn="$2"
  # stdbuf: line by line, so the two lanes' lines interleave whole.
  ( "$fn" 2>&1 | stdbuf -oL sed "s/^/[$name] /" ) &
}

emulator() {
  if [[ -z "$emulator_started" ]]; then
    python -m tools.emulator start && python -m tools.emulator reset >/dev/null || return 1
    emulator_started=yes
  fi
}

lint() {
  stage detect-secrets bash -c "git ls-files -z | xargs -0 detect-secrets-hook --baseline .secrets.baseline"
  stage yamllint yamllint --strict .
  stage ansible-lint ansible-lint --profile production --strict
  stage ruff ruff check .
  stage "ruff format" ruff format --check .
  if compgen -G "packer/*.pkr.hcl" >/dev/null; then
    stage "packer fmt" bash -c "packer fmt -check packer/ && packer fmt -check packer/plugins/"
    stage "packer validate" packer validate -var version=0 packer/
  fi
}

unit() {
  local log
  log="$(mktemp)"
  stage pytest bash -c "set -o pipefail; pytest -q tests 2>&1 | tee '$log'"
  # The app's own tests (their conftest starts MariaDB, Redis and an SMTP server on loopback).
  stage "pytest app" bash -c "set -o pipefail; pytest -q app/tests 2>&1 | tee -a '$log'"
  pytest_summary="$(grep -E '^=+ .*(passed|failed|error).* =+$|^[0-9]+ (passed|failed)' "$log" | tr '\n' ' ')"
  rm -f "$log"
}

cloud_lane() {
  for scenario in "${CLOUD_SCENARIOS[@]}"; do stage "molecule $scenario" molecule test -s "$scenario"; done
  # The security audit reads the environment the platform scenario left in the emulator.
  stage audit ansible-playbook -i inventories/local playbooks/audit.yml -e webcast_env=molecule
  # Drift detected and repaired, converges killed and rerun, bad input refused (docs/reliability.md).
  stage reliability tools/reliability.sh --converged
}

host_lane() {
  for scenario in "${HOST_SCENARIOS[@]}"; do stage "molecule $scenario" molecule test -s "$scenario"; done
  stage bake tools/bake.sh && stage "molecule image" molecule test -s image
}

molecule_stage() {
  emulator || { printf 'emulator\tFAILED  could not start\n' >>"$results"; return; }
  lane cloud cloud_lane
  lane host host_lane
  wait
  # The live webcast: golden-image instances configured from the converged environment.
  grep -q $'^bake\tok' "$results" && stage "molecule webcast" molecule test -s webcast
  # Last, since it removes the environment the platform scenario converged: recover its database and
  # file system into `dr`, then tear `molecule` down (check mode, for real, and again).
  stage lifecycle env WEBCAST_LIFECYCLE=molecule WEBCAST_LIFECYCLE_ENDPOINT_URL="$WEBCAST_AWS_ENDPOINT_URL" \
    pytest -q -p no:cacheprovider tests/lifecycle
}

for name in "${stages[@]}"; do
  case "$name" in
    lint) lint ;;
    unit) unit ;;
    molecule) molecule_stage ;;
    *) echo "unknown stage '$name'; allowed: lint unit molecule" >&2; exit 2 ;;
  esac
done

echo
echo "==> summary"
sort "$results" | awk -F '\t' '{ printf "  %-26s %s\n", $1, $2 }'
[[ -n "$pytest_summary" ]] && echo "  pytest: $pytest_summary"
! grep -q $'\tFAILED' "$results"
