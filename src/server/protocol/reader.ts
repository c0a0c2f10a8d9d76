/** Moved to src/protocol (one protocol layer); kept while hand-written messages remain. */
export * from '../../protocol/reader.js'
