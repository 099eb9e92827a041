#include "core/adoption.h"

namespace yard::core {

Adoption decideAdoption(const Record& upstream, const Record* local, const std::string& self) {
  Adoption a;
  if (local == nullptr) {
    a.store = true;
    return a;
  }
  // Smaller: the local version is newer and still on its way up; it will win there too.
  // Equal: the same version.
  if (upstream.stamp <= local->stamp) return a;
  a.store = true;
  // The upstream version was written on top of this one: an ordinary later edit, nothing lost.
  if (upstream.base == local->stamp || upstream.sameContent(*local)) return a;
  a.audit_local = true;
  a.notify_local = local->origin.node == self && !local->origin.device.empty();
  return a;
}

}  // namespace yard::core
