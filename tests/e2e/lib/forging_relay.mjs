// A WebSocket relay between the player page and the node that can forge one chunk: it passes
// every message through unchanged until armed, then flips one byte near the end of the next
// large node->browser message that is a ChunkData fragment (type 14), i.e. inside a chunk's
// payload, where only the source's signature can tell.
import { WebSocket, WebSocketServer } from './deps.mjs';

const CHUNK_DATA_TYPE = 14;
const MIN_FORGED_MESSAGE = 8 * 1024;

// Listens at once (the node must write the relay's URL into its page); set relay.upstreamUrl to
// the node's WebSocket URL before a browser connects.
export async function startForgingRelay(t) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws' });
  await new Promise((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const relay = {
    url: `ws://127.0.0.1:${server.address().port}/ws`,
    upstreamUrl: null,
    armed: false,
    forged: 0,
    forgedSizes: [],
    connections: 0,
    arm() { this.armed = true; },
    close() {
      for (const client of server.clients) client.terminate();
      return new Promise((resolve) => server.close(resolve));
    },
  };
  server.on('connection', (browser) => {
    relay.connections += 1;
    const node = new WebSocket(relay.upstreamUrl);
    const early = [];  // the browser's preface may come before the node link is open
    browser.on('message', (data, isBinary) => {
      if (node.readyState === WebSocket.OPEN) node.send(data, { binary: isBinary });
      else early.push([data, isBinary]);
    });
    node.on('open', () => {
      for (const [data, isBinary] of early.splice(0)) node.send(data, { binary: isBinary });
    });
    node.on('message', (data, isBinary) => {
      if (relay.armed && isBinary && data.length >= MIN_FORGED_MESSAGE && data[1] === CHUNK_DATA_TYPE) {
        relay.armed = false;
        data = Buffer.from(data);
        data[data.length - 10] ^= 0xff;
        relay.forged += 1;
        relay.forgedSizes.push(data.length);
      }
      if (browser.readyState === WebSocket.OPEN) browser.send(data, { binary: isBinary });
    });
    const closeBoth = () => {
      if (browser.readyState <= WebSocket.OPEN) browser.close();
      if (node.readyState <= WebSocket.OPEN) node.close();
    };
    browser.on('close', closeBoth);
    node.on('close', closeBoth);
    browser.on('error', closeBoth);
    node.on('error', closeBoth);
  });
  t.onCleanup(() => relay.close());
  return relay;
}
