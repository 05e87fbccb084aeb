// Fault injection, for the tests that show a multi-step call leaves nothing half-made when any
// later step fails. A site is a name placed at a syscall; a test arms one (injectFault in
// addon.cc) and the next time it is reached it fails with the armed errno instead of running.
// Unarmed, a site costs one relaxed atomic load.
#pragma once

namespace nl {

// True, with errno set, when a fault is armed at site (it is disarmed as it fires).
bool Faulted(const char* site);

// Arms a one-shot fault at site; err 0 disarms.
void ArmFault(const char* site, int err);

}  // namespace nl
