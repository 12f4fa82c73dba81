/**
 * Socket ids: two decimal integers joined by a dot, which server SDKs check with ^\d+\.\d+$ (§1.3).
 * Two crypto-random uint32 parts; the registry guarantees uniqueness among live sockets.
 */
const buffer = new Uint32Array(2);

export function newSocketId(): string {
  crypto.getRandomValues(buffer);
  return `${buffer[0]}.${buffer[1]}`;
}

export const SOCKET_ID = /^\d+\.\d+$/;
