// Wires the page together: config -> engine driver -> live player -> UI, and the test hooks
// window.potok.stats() and window.potok.delaySamples().

const UI_REFRESH_MS = 250;

// The stream's details that `potok stream` wrote into the page, checked.
function readConfig(raw) {
  if (raw === null) throw new Error('This is the player template: `potok stream` fills in the stream it plays.');
  if (raw.version !== 1) throw new Error(`This player does not understand config version ${raw.version}.`);
  const streamKey = base64UrlDecode(String(raw.stream_key || ''));
  if (streamKey.length !== 32) throw new Error('The stream key in this page is not an Ed25519 public key.');
  const bootstrap = (raw.bootstrap || []).filter((u) => /^wss?:\/\//.test(u));
  if (bootstrap.length === 0) throw new Error('This page names no address to reach the stream at.');
  return {
    streamKey,
    sourceId: parsePeerId(String(raw.source_peer)),
    bootstrap,
    title: String(raw.title || ''),
    welcome: String(raw.welcome || ''),
  };
}

function main() {
  const video = document.getElementById('video');
  const engineCounts = { skipped: 0, resyncs: 0, forged: 0, banned: 0 };
  // Startup, split by who spends it: loading the page and the engine, joining the swarm (until
  // the engine schedules its first chunk), and the media pipeline (until that frame is shown).
  const startup = { engineStartedMs: null, firstScheduledMs: null };
  let driver = null;
  let fatal = null;
  let linkState = 'connecting';
  let linkEverUp = false;
  let watchClicked = false;

  const ui = new PlayerUi(document, {
    togglePlay: () => (video.paused ? player.play() : player.pause()),
    toggleMute: () => { video.muted = !video.muted; },
    setVolume: (v) => { video.volume = v; video.muted = v === 0; },
    goLive: () => player.goLive(),
    watch: () => {
      // A click is the gesture every autoplay policy accepts: play with sound from here on.
      watchClicked = true;
      video.muted = false;
      ui.hideWelcome();
      ui.hideNotice();
      if (player.started) player.play();
    },
  });

  const player = new LivePlayer(video, {
    onFirstFrame: (ms) => {
      console.log(`potok: first frame after ${Math.round(ms)} ms`);
      ui.hideWelcome();
    },
    onState: () => {},
    onError: (message) => fail(message),
    onAutoMuted: () => ui.showNotice('Playing muted: this browser blocks sound until you click.', {
      action: { label: 'Unmute', run: () => { video.muted = false; } },
    }),
    onNeedsGesture: () => {
      if (!watchClicked) ui.setStatus('Ready: click Watch to start.');
    },
  });

  function fail(message) {
    fatal = message;
    console.error(`potok: ${message}`);
    ui.setStatus(message);
    ui.showNotice(message, { error: true });
  }

  function state() {
    if (fatal) return 'error';
    if (!linkEverUp) return linkState === 'failed' ? 'unreachable' : 'connecting';
    if (player.stallStartedMs !== null) return 'stalled';
    if (player.firstFrameMs === null) return linkState === 'connected' ? 'buffering' : 'reconnecting';
    if (video.paused) return 'paused';
    return linkState === 'connected' ? 'playing' : 'playing (reconnecting)';
  }

  function stats() {
    const e = driver ? driver.engineStats() : null;
    const c = player.counts;
    return {
      state: state(),
      playing: player.isPlaying(),
      startup_ms: player.firstFrameMs === null ? null : Math.round(player.firstFrameMs),
      engine_started_ms: startup.engineStartedMs === null ? null : Math.round(startup.engineStartedMs),
      first_scheduled_ms: startup.firstScheduledMs === null ? null : Math.round(startup.firstScheduledMs),
      delay_ms: player.delayMs() === null ? null : Math.round(player.delayMs()),
      buffer_ms: Math.round(player.bufferAheadMs()),
      arrival_ms: player.arrivalMs === null ? null : Math.round(player.arrivalMs),
      stalls: c.stalls,
      stalled_ms: Math.round(player.stalledMs()),
      chunks_verified: e ? e.chunks_verified : 0,
      chunks_rejected: e ? e.chunks_rejected : 0,
      forged_events: engineCounts.forged,
      bytes_up: e ? e.bytes_up : 0,
      bytes_down: e ? e.bytes_down : 0,
      upstreams: e ? e.upstreams : 0,
      downstreams: e ? e.downstreams : 0,
      delivered: c.delivered,
      skipped: engineCounts.skipped,
      resyncs: engineCounts.resyncs,
      discontinuities: c.discontinuities,
      playout_delay_ms: e ? e.playout_delay_ms : null,
      joined: e ? e.joined : false,
      link: linkState,
      link_opens: driver ? driver.counts.linkOpens : 0,
      wire_errors: e ? e.wire_errors : 0,
      muted: video.muted,
      playback_rate: video.playbackRate,
      position_s: Number(video.currentTime.toFixed(3)),
      frames: video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality().totalVideoFrames : 0,
      seeks: c.seeks,
      seeking: video.seeking,
      gap_jumps: c.gapJumps,
      appended: c.appended,
      append_errors: c.appendErrors,
      bad_payloads: c.badPayloads,
      error: fatal,
    };
  }

  window.potok = {
    stats,
    delaySamples: () => player.delaySamples.slice(),
    engine: () => (driver ? driver.engineStats() : null),
  };

  let config;
  try {
    config = readConfig(POTOK_CONFIG);
  } catch (e) {
    fail(e.message);
    return;
  }
  ui.setInfo(config.title, config.welcome);
  if (!window.MediaSource) return fail('This browser has no Media Source Extensions: it cannot play live video.');

  setInterval(() => ui.render(stats(), player.isLive()), UI_REFRESH_MS);

  EngineDriver.create({
    selfId: randomPeerId(),
    sourceId: config.sourceId,
    bootstrapUrls: config.bootstrap,
    streamKey: config.streamKey,
    listener: {
      onDeliver: (chunk) => player.deliver(chunk),
      onEvent: (event) => {
        if (event.kind === 'playback_started' && startup.firstScheduledMs === null) {
          startup.firstScheduledMs = startup.engineStartedMs + event.valueUs / 1000;
        }
        if (event.kind === 'chunk_skipped') engineCounts.skipped += 1;
        else if (event.kind === 'resynced') engineCounts.resyncs += 1;
        else if (event.kind === 'forged_chunk') engineCounts.forged += 1;
        else if (event.kind === 'peer_banned') engineCounts.banned += 1;
      },
      onLink: (linkStateNow, detail) => {
        linkState = linkStateNow;
        if (linkStateNow === 'connected') {
          linkEverUp = true;
          ui.setStatus('Connected: joining the stream…');
          ui.hideNotice();
        } else if (linkStateNow === 'failed') {
          ui.setStatus(`Cannot reach the stream yet (${detail}); retrying…`);
        } else if (linkStateNow === 'disconnected' && player.firstFrameMs !== null) {
          ui.showNotice('Connection to the stream lost; reconnecting…');
        }
        console.log(`potok: link ${linkStateNow}${detail ? ': ' + detail : ''}`);
      },
      onError: (message) => fail(message),
    },
  }).then((d) => {
    driver = d;
    startup.engineStartedMs = performance.now();
    driver.start();
    // Say goodbye (Leave) when the tab goes away, so the node frees our place at once instead
    // of waiting for the link to time out.
    window.addEventListener('pagehide', () => driver.stop(), { once: true });
  }).catch((e) => fail(`cannot start the protocol engine: ${e.message}`));
}

main();
