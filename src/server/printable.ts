/**
 * Client-chosen text (a user name, a client id) on its way into a log line or error message:
 * control characters would let a client forge log lines, and its length is the client's choice.
 */
const MAX_CHARS = 100

export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')
  return clean.length > MAX_CHARS ? `${clean.slice(0, MAX_CHARS)}…` : clean
}
