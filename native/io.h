#pragma once

#include <napi.h>

namespace nl {

// transactQuick(fd, portid, requests, wait): like transact, for batches of quick requests only;
// made by the caller itself or answered while it waited, it returns the replies themselves
// instead of a promise (see io.cc for which thread makes the exchange).
Napi::Value TransactQuick(const Napi::CallbackInfo& info);
Napi::Value QuickTimings(const Napi::CallbackInfo& info);

}  // namespace nl
