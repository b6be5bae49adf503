/** Backslashes to `/`: the engine and the reports speak POSIX paths on every platform. */
export function toPosix(path: string): string {
  return path.replace(/\\/g, '/');
}
