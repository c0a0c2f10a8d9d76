/**
 * Random hex digits for names that must not collide between processes (temporary files, staging
 * directories, member ids), not for secrets. Math.random is seeded per process by V8; together
 * with the pid the names carry it is plenty. node:crypto would do the same but costs 3-5 ms to
 * load, in every process that writes a file.
 */
export function randomHex(bytes: number): string {
  let hex = ''
  for (let i = 0; i < bytes; i++) hex += Math.floor(Math.random() * 256).toString(16).padStart(2, '0')
  return hex
}
