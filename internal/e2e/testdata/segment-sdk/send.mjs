// Sends a fixed set of calls to a mops server with the official Segment
// Node SDK, unchanged except for its host and flush settings. Run by
// internal/e2e/segment_sdk_test.go:
//
//	MOPS_HOST=http://127.0.0.1:PORT MOPS_WRITE_KEY=wk_... node send.mjs
//
// Prints one JSON line: {"calls", "delivered", "responses", "errors"}.
// Exits 1 if the SDK reported any error (it reports HTTP failures through
// its "error" event), 2 on bad usage.
import { Analytics } from '@segment/analytics-node'

const host = process.env.MOPS_HOST
const writeKey = process.env.MOPS_WRITE_KEY
if (!host || !writeKey) {
  console.error('MOPS_HOST and MOPS_WRITE_KEY must be set')
  process.exit(2)
}

const analytics = new Analytics({ writeKey, host, flushAt: 20, flushInterval: 500 })

// Errors, one entry per code and reason, with the number of calls and their
// types (the SDK fails every call of a batch the server refuses).
const errors = []
analytics.on('error', (err) => {
  const code = err.code
  const reason = String(err.reason?.message ?? err.reason)
  let e = errors.find((x) => x.code === code && x.reason === reason)
  if (!e) {
    e = { code, reason, count: 0, types: [] }
    errors.push(e)
  }
  e.count++
  const type = err.ctx?.event?.type
  if (type && !e.types.includes(type)) e.types.push(type)
})
const responses = []
analytics.on('http_response', (res) => {
  responses.push({ status: res.status, url: res.url })
})

// The SDK emits the event's type once it is delivered.
let delivered = 0
for (const type of ['identify', 'track', 'page', 'screen', 'group', 'alias']) {
  analytics.on(type, () => delivered++)
}

let calls = 0
const call = (fn) => {
  fn()
  calls++
}

call(() => analytics.identify({ userId: 'u-1', traits: { email: 'ann@sdk.example', plan: 'pro' } }))
call(() =>
  analytics.track({
    userId: 'u-1',
    event: 'Order Completed',
    properties: { revenue: 59.9, currency: 'EUR', order_id: 'o-1' },
  })
)
call(() =>
  analytics.page({
    userId: 'u-1',
    name: 'Pricing',
    properties: { url: 'https://sdk.example/pricing', path: '/pricing' },
  })
)
call(() => analytics.screen({ userId: 'u-1', name: 'Home' }))
call(() => analytics.group({ userId: 'u-1', groupId: 'g-1', traits: { name: 'Acme' } }))
call(() => analytics.alias({ userId: 'u-1', previousId: 'anon-1' }))
for (let i = 0; i < 50; i++) {
  call(() => analytics.track({ userId: 'u-1', event: 'Loop', properties: { index: i } }))
}

try {
  await analytics.closeAndFlush({ timeout: 30000 })
} catch (err) {
  errors.push({ code: 'close_and_flush', reason: String(err?.message ?? err), count: 1 })
}

if (delivered !== calls && errors.length === 0) {
  errors.push({ code: 'undelivered', reason: `${calls} calls, ${delivered} delivered`, count: calls - delivered })
}

console.log(JSON.stringify({ calls, delivered, responses, errors }))
process.exit(errors.length ? 1 : 0)
