# Molt: the two commands of the quick start, and what they need.
SHELL := /bin/bash
MVN := ./mvnw -B -ntp

.PHONY: demo test build deps clean bench

# Molt's main job: an upgrade of a demo workload, with its stop report.
demo: deps build
	integration/demo/on-host-demo.sh

# Every test, after installing what they need (CRIU from Debian forky, system packages).
test: deps
	$(MVN) verify

build:
	$(MVN) -q -DskipTests install

deps:
	scripts/install-deps.sh

bench: deps build
	integration/bench/run.sh

clean:
	$(MVN) -q clean
