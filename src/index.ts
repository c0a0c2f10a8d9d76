// The package's library entry: the log engine and stream processing (no CLI, no terminal UI).
export * from './core/index.js'
export {Processor} from './process/processor.js'
export type {ProcessOptions, ProcessStats} from './process/processor.js'
export {CommandTransform, ModuleTransform} from './process/transform.js'
export type {Transform, InputRecord, OutputRecord, ModuleFunction, ModuleRecord} from './process/transform.js'
export {KafkaProcessor} from './process/kafka-processor.js'
