/**
 * Socket ids: two decimal integers joined by a dot, which server SDKs check with ^\d+\.\d+$ (§1.3).
 * Two crypto-random uint32 parts; the registry guarantees uniqueness among live sockets.
 */
const BATCH = 256;
const buffer = new Uint32Array(BATCH * 2);
let next = BATCH * 2;

export function newSocketId(): string {
  // One call into the system's random source per 256 ids rather than per id (one per connect). The
  // parts are as random as before; they are drawn a little earlier, and each pair is used once.
  if (next === buffer.length) {
    crypto.getRandomValues(buffer);
    next = 0;
  }
  const id = `${buffer[next]}.${buffer[next + 1]}`;
  next += 2;
  return id;
}

export const SOCKET_ID = /^\d+\.\d+$/;
