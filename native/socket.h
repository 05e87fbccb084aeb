#pragma once

#include <napi.h>
#include <stdint.h>

namespace nl {

class Exchange;
// The replies of a finished exchange as a Buffer (taking them over).
Napi::Value RepliesBuffer(Napi::Env env, Exchange& exchange);
// A failed exchange's error: its errno and syscall, and the replies read before it (taken over).
Napi::Object ExchangeFailure(Napi::Env env, Exchange& exchange);
// What a successful exchange answered: `true` when every reply was a plain ACK (no buffer is
// made: a change's only answer, and the common one), else its replies as a Buffer.
Napi::Value Answer(Napi::Env env, Exchange& exchange);
// Settles `deferred` with what a finished exchange came to: its answer, or its failure.
napi_status SettleExchange(Napi::Env env, napi_deferred deferred, Exchange& exchange);

// Opens an rtnetlink socket in the calling thread's namespace, with extended ACKs, capped ACKs
// and strict checking on. Returns 0 or an errno; *failed names the failing syscall.
int OpenRouteSocket(int* fd, uint32_t* portid, const char** failed);
// The same for any netlink protocol (NETLINK_NETFILTER also gets a send buffer for batches).
int OpenNetlinkSocket(int protocol, int* fd, uint32_t* portid, const char** failed);

Napi::Value SocketOpen(const Napi::CallbackInfo& info);
Napi::Value SocketOpenMany(const Napi::CallbackInfo& info);
Napi::Value Transact(const Napi::CallbackInfo& info);
Napi::Value TransactParts(const Napi::CallbackInfo& info);
Napi::Value TransactMany(const Napi::CallbackInfo& info);
Napi::Value Ifindex(const Napi::CallbackInfo& info);
Napi::Value Ifname(const Napi::CallbackInfo& info);

}  // namespace nl
