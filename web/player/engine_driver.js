// Drives the protocol engine (core/, compiled to WebAssembly by web/wasm/engine_api.cpp): feeds it
// time, frames and verdicts, and carries out what it asks for. The browser is a leaf for now
// (upload_cap_bps = 0): its only link is the WebSocket to the streamer's node, which is both the
// bootstrap and the source; a Connect to any other peer is answered with ConnectFailed until
// browser-to-browser WebRTC arrives.

// out::EventKind, in order (core/io.hpp).
const ENGINE_EVENT_NAMES = [
  'playback_started', 'chunk_skipped', 'parent_switched', 'repair_requested', 'resynced',
  'connect_failed', 'protocol_violation', 'forged_chunk', 'peer_banned',
];
// Waits between attempts to reach the node: short first, so a blip costs little, then longer,
// so a node that is gone is not hammered.
const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 5000;

// Engine time: microseconds on the page's monotonic clock.
function engineNowUs() {
  return Math.round(performance.now() * 1000);
}

class EngineDriver {
  // listener: onDeliver(chunk), onEvent(event), onLink(state, detail), onError(message)
  static async create({ selfId, sourceId, bootstrapUrls, streamKey, listener }) {
    const driver = new EngineDriver({ selfId, sourceId, bootstrapUrls, streamKey, listener });
    driver.mod = await createPotokEngine({ potokHandlers: driver.handlers() });
    const seed = new Uint32Array(2);
    crypto.getRandomValues(seed);
    driver.mod._potok_create(...peerIdHalves(selfId), ...peerIdHalves(sourceId), seed[0], seed[1]);
    return driver;
  }

  constructor({ selfId, sourceId, bootstrapUrls, streamKey, listener }) {
    this.selfId = selfId;
    this.sourceId = sourceId;
    this.sourceHalves = peerIdHalves(sourceId);
    this.bootstrapUrls = bootstrapUrls;
    this.listener = listener;
    this.link = null;
    this.linkUp = false;
    this.openTimer = null;
    this.restartTimer = null;
    this.wakeTimer = null;
    this.nextAttemptAt = 0;  // performance.now() before which no new link is opened
    this.backoffMs = RECONNECT_FIRST_MS;
    this.stopped = false;
    this.counts = { wireErrors: 0, verifyErrors: 0, linkOpens: 0, linkFailures: 0 };
    // Imported once; every chunk's verification waits on this promise.
    this.keyPromise = crypto.subtle.importKey('raw', streamKey, { name: 'Ed25519' }, false, ['verify']);
    this.keyPromise.catch((e) => listener.onError(`cannot use the stream key: ${e.message}`));
  }

  start() {
    this.mod._potok_start(engineNowUs());
  }

  stop() {
    this.stopped = true;
    this.mod._potok_stop(engineNowUs());
    clearTimeout(this.wakeTimer);
    clearTimeout(this.openTimer);
    clearTimeout(this.restartTimer);
    if (this.link) this.link.close();
  }

  engineStats() {
    return JSON.parse(this.mod.UTF8ToString(this.mod._potok_stats_json()));
  }

  // What the wasm side calls while the engine is drained (EM_JS in engine_api.cpp).
  handlers() {
    return {
      transmit: (lo, hi, frame) => {
        if (peerIdFromHalves(lo, hi) === this.sourceId && this.link) this.link.send(frame);
      },
      connect: (lo, hi, join) => this.connect(peerIdFromHalves(lo, hi), join),
      disconnect: (lo, hi) => this.disconnect(peerIdFromHalves(lo, hi)),
      verify: (ticket, message, signature) => this.verify(ticket, message, signature),
      deliver: (chunk) => this.listener.onDeliver(chunk),
      event: (kind, lo, hi, seq, valueUs, detail) => {
        const event = { kind: ENGINE_EVENT_NAMES[kind] || `event_${kind}`, peer: peerIdFromHalves(lo, hi), seq, valueUs, detail };
        console.log(`potok: ${event.kind} peer=${event.peer} seq=${seq} value_ms=${(valueUs / 1000).toFixed(1)} detail=${detail}`);
        this.listener.onEvent(event);
      },
      wakeAt: (atUs) => {
        clearTimeout(this.wakeTimer);
        this.wakeTimer = null;
        if (atUs < 0 || this.stopped) return;
        const delayMs = Math.max(0, Math.ceil((atUs - engineNowUs()) / 1000));
        this.wakeTimer = setTimeout(() => this.mod._potok_tick(engineNowUs()), delayMs);
      },
    };
  }

  // `join`: the JoinRequest frame to put in the upgrade URL (empty when the engine sends none).
  connect(peer, join) {
    if (peer !== this.sourceId) {
      // No transport to other peers yet (WebRTC comes later). Called from within the engine's
      // drain, which queues this input until the drain is done.
      this.mod._potok_connect_failed(...peerIdHalves(peer), engineNowUs());
      return;
    }
    if (this.link || this.openTimer || this.stopped) return;  // already on its way
    const wait = Math.max(0, this.nextAttemptAt - performance.now());
    this.listener.onLink('connecting', wait > 0 ? `retrying in ${(wait / 1000).toFixed(1)} s` : '');
    this.openTimer = setTimeout(() => {
      this.openTimer = null;
      this.openLink(join);
    }, wait);
  }

  disconnect(peer) {
    if (peer !== this.sourceId) return;
    clearTimeout(this.openTimer);
    this.openTimer = null;
    if (this.link) this.link.close();  // the engine asked: it needs no Disconnected back
    this.link = null;
    this.linkUp = false;
    this.listener.onLink('disconnected', 'closed by the engine');
  }

  openLink(join) {
    if (this.stopped) return;
    const link = new BootstrapLink({
      urls: this.bootstrapUrls,
      selfId: this.selfId,
      expectedId: this.sourceId,
      join,
      handlers: {
        onOpen: (url) => {
          if (this.link !== link) return;
          this.linkUp = true;
          this.backoffMs = RECONNECT_FIRST_MS;
          this.counts.linkOpens += 1;
          this.listener.onLink('connected', url);
          this.mod._potok_connected(...this.sourceHalves, engineNowUs());
        },
        onFrame: (frame) => {
          if (this.link === link) this.receive(frame);
        },
        onClose: ({ opened, reason }) => {
          if (this.link !== link) return;
          this.link = null;
          this.linkUp = false;
          this.nextAttemptAt = performance.now() + this.backoffMs;
          const retryMs = this.backoffMs;
          this.backoffMs = Math.min(RECONNECT_MAX_MS, this.backoffMs * 2);
          if (opened) {
            // The engine re-joins by itself: its next message to the node asks for a Connect.
            this.listener.onLink('disconnected', reason);
            this.mod._potok_disconnected(...this.sourceHalves, engineNowUs());
            return;
          }
          // A failed connect to its bootstrap leaves the engine idle: starting it again is the
          // driver's call, after the backoff.
          this.counts.linkFailures += 1;
          this.listener.onLink('failed', reason);
          this.mod._potok_connect_failed(...this.sourceHalves, engineNowUs());
          clearTimeout(this.restartTimer);
          this.restartTimer = setTimeout(() => {
            if (!this.stopped && !this.link) this.mod._potok_start(engineNowUs());
          }, retryMs);
        },
      },
    });
    this.link = link;
  }

  receive(frame) {
    const ptr = this.mod._potok_receive_buffer(frame.length);
    this.mod.HEAPU8.set(frame, ptr);  // after the call above: the heap may have grown
    const rc = this.mod._potok_receive(...this.sourceHalves, frame.length, engineNowUs());
    if (rc === 0) return;
    this.counts.wireErrors += 1;
    if (this.counts.wireErrors <= 10) {
      const name = rc > 0 ? this.mod.UTF8ToString(this.mod._potok_wire_error_name(rc)) : 'not received';
      console.warn(`potok: dropped a malformed frame (${name}, ${frame.length} bytes)`);
    }
  }

  async verify(ticket, message, signature) {
    let ok = false;
    try {
      const key = await this.keyPromise;
      ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
    } catch (e) {
      this.counts.verifyErrors += 1;
      if (this.counts.verifyErrors <= 3) console.warn(`potok: signature check failed to run: ${e.message}`);
    }
    if (!this.stopped) this.mod._potok_verified(ticket, ok ? 1 : 0, engineNowUs());
  }
}
