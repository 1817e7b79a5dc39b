// Node 20 has no Promise.withResolvers (added in Node 22) and libp2p 2.x's dependencies call it.
// peer.js imports this module first; ES modules evaluate in import order, so this runs before
// any libp2p module body.
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers () {
      let resolve
      let reject
      const promise = new this((res, rej) => {
        resolve = res
        reject = rej
      })
      return { promise, resolve, reject }
    }
  })
}
