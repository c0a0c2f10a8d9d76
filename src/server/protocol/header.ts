/** Moved to src/protocol/header.ts (one protocol layer). */
export * from '../../protocol/header.js'
