#pragma once

#include <napi.h>

namespace nl {

// transactQuick(fd, portid, requests, wait): like transact, for batches of quick requests only;
// answered while the caller waited, it returns the replies themselves instead of a promise.
Napi::Value TransactQuick(const Napi::CallbackInfo& info);
Napi::Value QuickTimings(const Napi::CallbackInfo& info);

}  // namespace nl
