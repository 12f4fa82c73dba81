/** The handshake's `protocol` query parameter is read as URLSearchParams reads it, without building one. */
import { expect, test } from "bun:test";
import { protocolOf } from "../../src/transport/bun-websocket";

test("protocolOf agrees with URLSearchParams on plain, odd and escaped queries", () => {
  for (const query of [
    "", "?", "?protocol=7", "?protocol=7&client=js", "?client=js&protocol=6&v=1", "?xprotocol=7", "?xprotocol=7&protocol=5",
    "?protocol=", "?protocol", "?protocol=7&protocol=8", "?protocol=%37", "?protocol=+7", "?a=1&protocol=7x", "?Protocol=7",
  ]) {
    const url = new URL(`http://h/app/k${query}`);
    expect([query, protocolOf(url)]).toEqual([query, url.searchParams.get("protocol")]);
  }
});
