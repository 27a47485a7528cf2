// One WebSocket to the streamer's node (the bootstrap), carrying the peer protocol.
//
// The first message each way is the link preface: "potok/1\0" and the sender's PeerId (u64
// little-endian). Only after both prefaces is the link open; from then on every binary message
// is one wire frame (docs/protocol.md §1). The bootstrap URLs from the page's config are tried in
// order until one answers with the expected PeerId. Our PeerId and the engine's JoinRequest ride
// the upgrade URL (`?peer=…&join=<hex>`), so the node answers it with the upgrade: the Welcome
// arrives a round trip sooner than if it were sent on the open link.

const PREFACE_MAGIC = [0x70, 0x6f, 0x74, 0x6f, 0x6b, 0x2f, 0x31, 0x00];  // "potok/1\0"
const PREFACE_SIZE = 16;
// A URL that neither opens nor fails within this time is given up for the next one.
const LINK_OPEN_TIMEOUT_MS = 4000;

function makePreface(selfId) {
  const bytes = new Uint8Array(PREFACE_SIZE);
  bytes.set(PREFACE_MAGIC, 0);
  new DataView(bytes.buffer).setBigUint64(8, selfId, true);
  return bytes;
}
// The sender's PeerId, or null if `bytes` is not a preface.
function parsePreface(bytes) {
  if (bytes.length !== PREFACE_SIZE) return null;
  for (let i = 0; i < PREFACE_MAGIC.length; ++i) if (bytes[i] !== PREFACE_MAGIC[i]) return null;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(8, true);
}

// `url` with our greeting added to its query.
function withGreeting(url, selfId, join) {
  if (!join || join.length === 0) return url;
  const hex = Array.from(join, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${url}${url.includes('?') ? '&' : '?'}peer=${selfId}&join=${hex}`;
}

class BootstrapLink {
  // handlers: onOpen(url), onFrame(Uint8Array), onClose({opened, reason}) (exactly once).
  // join: the JoinRequest frame for the upgrade URL, or empty.
  constructor({ urls, selfId, expectedId, join, handlers }) {
    this.urls = urls;
    this.join = join;
    this.selfId = selfId;
    this.expectedId = expectedId;
    this.handlers = handlers;
    this.ws = null;
    this.opened = false;
    this.closed = false;
    this.failures = [];  // why each URL failed, for the error shown when all do
    this.bytesSent = 0;
    this.bytesReceived = 0;
    this.tryUrl(0);
  }

  send(bytes) {
    if (!this.opened || this.closed) return;
    this.ws.send(bytes);
    this.bytesSent += bytes.length;
  }

  // Closes without calling onClose: the caller asked for it.
  close() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.openTimer);
    if (this.ws) this.ws.close(1000);
  }

  tryUrl(index) {
    if (this.closed) return;
    if (index >= this.urls.length) {
      this.finish(false, this.failures.join('; ') || 'no bootstrap address');
      return;
    }
    const url = this.urls[index];
    let ws;
    try {
      ws = new WebSocket(withGreeting(url, this.selfId, this.join));
    } catch (e) {
      this.failures.push(`${url}: ${e.message}`);
      this.tryUrl(index + 1);
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    let gotPreface = false;
    let failedOver = false;
    const failOver = (why) => {  // this URL did not work: the next one, or give up
      if (failedOver || this.closed) return;
      failedOver = true;
      clearTimeout(this.openTimer);
      this.failures.push(`${url}: ${why}`);
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      ws.close();
      this.tryUrl(index + 1);
    };
    this.openTimer = setTimeout(() => failOver('timed out'), LINK_OPEN_TIMEOUT_MS);
    ws.onopen = () => {
      const preface = makePreface(this.selfId);
      ws.send(preface);
      this.bytesSent += preface.length;
    };
    ws.onmessage = (e) => {
      if (!(e.data instanceof ArrayBuffer)) {
        if (gotPreface) return;  // the protocol is binary only: ignore, as a bad frame
        failOver('text message instead of the preface');
        return;
      }
      const bytes = new Uint8Array(e.data);
      this.bytesReceived += bytes.length;
      if (gotPreface) {
        this.handlers.onFrame(bytes);
        return;
      }
      const remote = parsePreface(bytes);
      if (remote === null) return failOver('no link preface');
      if (remote !== this.expectedId) return failOver(`answered as peer ${remote}, not the stream's source ${this.expectedId}`);
      gotPreface = true;
      clearTimeout(this.openTimer);
      this.opened = true;
      this.handlers.onOpen(url);
    };
    ws.onerror = () => {};  // onclose follows with the details a page may see
    ws.onclose = (e) => {
      if (!gotPreface) return failOver(`closed before the preface (code ${e.code})`);
      this.finish(true, `closed (code ${e.code}${e.reason ? ', ' + e.reason : ''})`);
    };
  }

  finish(opened, reason) {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.openTimer);
    this.handlers.onClose({ opened, reason });
  }
}
