# Molt: the two commands of the quick start, and what they need.
SHELL := /bin/bash
MVN := ./mvnw -B -ntp

.PHONY: demo demo-host test test-host test-guest guest-deps build deps clean bench bench-guest

# Molt's main job, for real: a QEMU guest (TCG) upgraded from 6.1.0-50 to 6.1.0-56 with kexec by
# `molt --connect ... upgrade` from this host, with its stop report (text and JSON). Builds the
# guest first when it is not cached (~2-3 min).
demo: deps build
	integration/demo/guest-demo.sh

# The same upgrade on this host with the restart switch (no kexec here).
demo-host: deps build
	integration/demo/on-host-demo.sh

# Every test, after installing what they need (CRIU from Debian forky, system packages, QEMU and
# what builds the guest): the host's, then the QEMU guest's (a kexec upgrade and a rollback; the
# guest is built and cached under ~/.cache/molt on the first run).
test: deps guest-deps
	$(MVN) verify -Pall

# Only the host's tests (no QEMU): a quick loop while developing.
test-host: deps
	$(MVN) verify

guest-deps:
	integration/guest/install-host-deps.sh

# The QEMU guest scenarios (upgrade, rollback): ~2-3 min each with a cached guest, one QEMU at a time.
test-guest: deps build
	$(MVN) -pl integration verify -Pguest

build:
	$(MVN) -q -DskipTests install

deps:
	scripts/install-deps.sh

bench: deps build
	integration/bench/run.sh

# The guest benchmark: Molt's stop, the hand-scripted CRIU + kexec, a reboot + workload restart,
# side by side in one run (~6-8 min, one QEMU at a time).
bench-guest: deps build
	integration/bench/guest-bench.sh

clean:
	$(MVN) -q clean
