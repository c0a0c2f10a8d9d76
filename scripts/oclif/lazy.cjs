// Inside dist/oclif.js only (scripts/bundle-oclif.mjs): oclif requires these packages when it is
// imported, but uses them only when something is done with them (help templates and colours,
// error wrapping, plugin globbing, WSL detection). Each is handed to oclif as a transparent
// stand-in for the package's exports that requires the package on first real use.
'use strict'

/** A stand-in for a CommonJS module's exports: `load()` runs on first real use. */
module.exports = function lazyModule(esModule, load) {
  let real
  const get = () => (real ??= load())
  // A function target, so modules whose export is a function can be called through it (an arrow
  // function: it has no non-configurable own keys that would constrain the traps). `__esModule`
  // is answered without loading: TypeScript's import helpers read it at require time.
  return new Proxy(() => {}, {
    get: (_, key) => (key === '__esModule' && real === undefined ? esModule || undefined : Reflect.get(get(), key)),
    has: (_, key) => Reflect.has(get(), key),
    apply: (_, self, args) => Reflect.apply(get(), self, args),
    ownKeys: () => Reflect.ownKeys(get()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(get(), key)
      return descriptor === undefined ? undefined : {...descriptor, configurable: true}
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(get()),
    set: (_, key, value) => Reflect.set(get(), key, value),
  })
}
