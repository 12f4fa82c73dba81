/** The one-node ControlChannel: this node is the whole cluster, so a message is applied at once. */
import type { ControlChannel, ControlMessage } from "../../engine/ports";

export class MemoryControlChannel implements ControlChannel {
  private handler: (message: ControlMessage) => void = () => {};

  publish(message: ControlMessage): void {
    this.handler(message);
  }

  onMessage(handler: (message: ControlMessage) => void): void {
    this.handler = handler;
  }
}
