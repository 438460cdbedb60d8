# Molt: the two commands of the quick start, and what they need.
SHELL := /bin/bash
MVN := ./mvnw -B -ntp

.PHONY: demo demo-host test test-host test-guest guest-deps build deps clean bench bench-guest

# Molt's main job, for real: a QEMU guest (TCG) upgraded from 6.1.0-50 to 6.1.0-56 with kexec by
# `molt --connect ... upgrade` from this host, with its stop report (text and JSON). Builds the
# guest first when it is not cached (~2-3 min).
# TO=RELEASE: another kernel the guest image holds, e.g. `make demo TO=7.2.12+deb14-amd64` (Debian
# forky's 7.2: across releases, restored by the CRIU staged for it).
demo: deps build
	integration/demo/guest-demo.sh $(TO)

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

# The guest benchmark, side by side in one run (~15 min, one QEMU at a time): Molt's stop and the
# hand-scripted CRIU + kexec, to 6.1.0-56 (same release) and to forky's 7.2.12 (across releases),
# and a reboot + workload restart.
bench-guest: deps build
	integration/bench/guest-bench.sh

clean:
	$(MVN) -q clean
