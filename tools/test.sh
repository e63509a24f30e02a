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
# The cloud tiers against the emulator, then each host role in a podman systemd container, then the
# golden image (baked before them, or reused when current): booted alone, then a live webcast.
MOLECULE_SCENARIOS=(platform common hardening media_server cloudwatch_agent bootstrap efs_client ses_relay webcast_app)
IMAGE_SCENARIOS=(image webcast)

declare -A result
pytest_summary=""
emulator_started=""

stage() {  # stage NAME COMMAND...: run, time and record one check
  local name="$1"; shift
  local start=$SECONDS
  echo "==> $name"
  if "$@"; then result[$name]="ok      $((SECONDS - start)) s"
  else result[$name]="FAILED  $((SECONDS - start)) s"; fi
}

emulator() {
  if [[ -z "$emulator_started" ]]; then
    python -m tools.emulator start && python -m tools.emulator reset >/dev/null || return 1
    emulator_started=yes
    trap 'python -m tools.emulator stop >/dev/null' EXIT
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

molecule_stage() {
  emulator || { result[emulator]="FAILED  could not start"; return; }
  for scenario in "${MOLECULE_SCENARIOS[@]}"; do
    stage "molecule $scenario" molecule test -s "$scenario"
    # The security audit reads the environment the platform scenario left in the emulator.
    [[ "$scenario" == platform ]] && stage audit ansible-playbook -i inventories/local playbooks/audit.yml -e webcast_env=molecule
  done
  stage bake tools/bake.sh
  if [[ "${result[bake]}" == ok* ]]; then
    for scenario in "${IMAGE_SCENARIOS[@]}"; do
      stage "molecule $scenario" molecule test -s "$scenario"
    done
  fi
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
failed=0
for name in "${!result[@]}"; do
  printf '  %-18s %s\n' "$name" "${result[$name]}"
done | sort
for name in "${!result[@]}"; do [[ "${result[$name]}" == FAILED* ]] && failed=1; done
[[ -n "$pytest_summary" ]] && echo "  pytest: $pytest_summary"
exit "$failed"
