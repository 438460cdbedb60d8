/**
 * The host's upgrade policy from moltd's configuration: which workloads an upgrade protects when
 * its request names none ({@link ProtectedWorkloads}), and the rules an upgrade must meet before
 * it may start ({@link UpgradePolicy}): only in a maintenance window, a longest stop, whether
 * livepatches may be chosen.
 */
package dev.molt.policy;
