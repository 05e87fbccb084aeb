#pragma once

#include <napi.h>

namespace nl {

// transactQuick(fd, portid, requests): like transact, for batches of quick requests only.
Napi::Value TransactQuick(const Napi::CallbackInfo& info);
Napi::Value QuickTimings(const Napi::CallbackInfo& info);

}  // namespace nl
