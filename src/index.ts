// The package's library entry: the log engine only (no CLI, no terminal UI).
export * from './core/index.js'
