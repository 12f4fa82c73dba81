/** One node's local pub/sub for the broker contracts, behaving like Bun's: ws.publish skips the publishing socket. */
import type { Connection } from "../../src/engine/ports";

export type RecordingSocket = Connection & { received: string[] };

export function fakePubSub() {
  const topics = new Map<string, Set<RecordingSocket>>();
  const sockets = new Map<string, RecordingSocket>();
  const deliver = (topic: string, frame: string, except?: Connection) => {
    for (const s of topics.get(topic) ?? []) if (s !== except) s.received.push(frame);
  };
  return {
    publishLocal: (topic: string, frame: string) => deliver(topic, frame),
    socket: (_topic: string, id: string) => sockets.get(id),
    newSocket(id: string): RecordingSocket {
      const socket: RecordingSocket = {
        received: [],
        send: (frame) => socket.received.push(frame),
        close: () => {},
        subscribe: (topic) => void (topics.get(topic) ?? topics.set(topic, new Set()).get(topic)!).add(socket),
        unsubscribe: (topic) => void topics.get(topic)?.delete(socket),
        publish: (topic, frame) => deliver(topic, frame, socket),
        ping: () => {},
      };
      sockets.set(id, socket);
      return socket;
    },
  };
}
