/** A malformed frame: too short for its fields, impossible lengths, a null where none may be. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProtocolError'
  }
}
