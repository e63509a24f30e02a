# The one entry point for humans and CI. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(CURDIR)/.venv/bin:$(PATH)
PY := .venv/bin/python

.PHONY: help setup up down app-wheel bake audit deploy prescale teardown recover test test-reliability lint unit molecule bench bench-inventory bench-image bench-webcast emulator-start emulator-stop emulator-status emulator-reset

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

setup: ## Install packages, podman settings, .venv and the base image (idempotent, root)
	@tools/setup.sh

up: setup ## Start the emulator, bake (or reuse) the golden image, provision the local environment, start the data plane
	@$(PY) -m tools.emulator start
	@tools/bake.sh
	ansible-playbook -i inventories/local playbooks/site.yml
	@$(PY) -m tools.dataplane up --demo

app-wheel: setup ## Build the app's wheel (app/dist), hls.js inside
	@app/build.sh

bake: setup ## Bake the golden image: the container image and its AMI in the emulator; print the manifest
	@$(PY) -m tools.emulator start
	@tools/bake.sh

down: ## Stop what `make up` started: the data plane's containers, then the emulator (harmless when stopped)
	@$(PY) -m tools.dataplane down
	@$(PY) -m tools.emulator stop

test: setup ## Lint, unit tests and molecule scenarios, on an emulator of their own (port 4567)
	@tools/test.sh

test-reliability: setup ## Reliability suite: drift repaired, crashes survived, bad input refused (emulator 4567)
	@tools/reliability.sh

lint: ## ansible-lint (production), yamllint, ruff, and packer fmt/validate when templates exist
	@tools/test.sh lint

unit: ## pytest: plugins and tools
	@tools/test.sh unit

molecule: ## The molecule scenarios (network against the emulator, host roles in podman)
	@tools/test.sh molecule

bench: ## Time site.yml on the emulator: the first converge and no-op runs (medians)
	@$(PY) tools/bench_converge.py

bench-image: ## Time the golden image: cold and incremental bakes, size, boot-to-healthy against configure-at-boot (medians)
	@$(PY) tools/bench_image.py

bench-webcast: ## One instance's HLS throughput vs stock nginx (wrk), the CDN's origin load as viewers grow, viewers per instance
	@$(PY) tools/bench_webcast.py

bench-inventory: ## Time the fleet inventory against aws_ec2: 1,000 and 5,000 instances, cold and cached
	@$(PY) tools/bench_inventory.py

deploy: ## Roll the newest approved golden image onto ENV (local by default): canary, progress, rollback
	ansible-playbook -i inventories/$(or $(ENV),local) playbooks/deploy.yml

prescale: ## Pre-scale ENV for an event: EVENT=launch START=2026-12-01T18:00:00Z DURATION=90 VIEWERS=20000
	ansible-playbook -i inventories/$(or $(ENV),local) playbooks/prescale.yml -e aws_event_scaling_event=$(EVENT) -e aws_event_scaling_start=$(START) -e aws_event_scaling_duration_min=$(DURATION) -e aws_event_scaling_viewers=$(VIEWERS)

teardown: ## Tear an environment down (ENV=local; CONFIRM=<env> for a protected one; CHECK=1 only lists)
	ansible-playbook -i inventories/$(or $(ENV),local) playbooks/teardown.yml $(if $(CONFIRM),-e webcast_teardown_confirm=$(CONFIRM)) $(if $(CHECK),--check)

recover: ## Restore ENV's database and file system into a recovery environment (INTO=dr)
	ansible-playbook -i inventories/$(or $(ENV),local) playbooks/recover.yml -e webcast_recovery_env=$(or $(INTO),dr)

audit: ## Security audit of an environment (ENV=local by default): fails on any finding
	ansible-playbook -i inventories/$(or $(ENV),local) playbooks/audit.yml

emulator-start: ## Start the local AWS emulator on 127.0.0.1:4566
	@$(PY) -m tools.emulator start
emulator-stop: ## Stop it
	@$(PY) -m tools.emulator stop
emulator-status: ## Is it running?
	@$(PY) -m tools.emulator status
emulator-reset: ## Forget every resource in it
	@$(PY) -m tools.emulator reset
