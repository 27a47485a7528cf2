// Plays the delivered chunks with Media Source Extensions, on a capture-time timeline, at the
// moment the engine scheduled them.
//
// Timeline: position 0 is the capture time of the first chunk appended (baseUs). Every chunk is
// placed at (capture_us - baseUs) by setting timestampOffset = (capture_us - media_time_us -
// baseUs) / 1e6: within one ingest run that offset is constant, and after an ingest restart
// (media times start again) it moves by exactly the outage, so the runs line up with a gap.
// The frame on screen was therefore captured at baseUs + currentTime, and the delay behind the
// source is Date.now() minus that.
//
// Schedule: the engine gives each chunk a play_at on our monotonic clock. It keeps a constant
// delay D between capture and play_at, so the position that should be on screen now is
// pos(chunk) + (now - play_at(chunk)) for any recent chunk. Steering holds currentTime there
// with gentle playbackRate changes, and seeks when far off or when stuck before a gap.

const STEER_INTERVAL_MS = 100;
const RATE_LIMIT = 0.1;         // playbackRate stays in [0.9, 1.1]
const RATE_GAIN_PER_S = 1.0;    // 0.1 s off -> rate 0.9 or 1.1
const RATE_DEAD_ZONE_S = 0.02;  // closer than this: plain 1.0, no pitch wobble
const SEEK_THRESHOLD_S = 1.0;   // further off than this: seek instead of slewing
const GAP_EDGE_S = 0.15;        // this close to the end of a buffered range with a later one: jump
const LIVE_WINDOW_S = 2.0;      // within this of the schedule counts as live
const KEEP_BEHIND_S = 30;       // buffered media kept behind the playhead
const TRIM_EVERY_S = 10;        // ... removed in steps of at least this much
const RUN_OFFSET_TOLERANCE_US = 50000;  // capture-media offset moves beyond this: a new ingest run
const DELAY_SAMPLE_MS = 250;
const PLAY_LEAD_MS = 40;
const STUCK_MS = 400;           // a playhead that should move but has not for this long: a stall
const STALL_END_S = 0.1;
const SEEK_PATIENCE_MS = 1000;  // a seek still pending after this long is overridden        // ... which ends once the playhead has moved on this far        // play() this early: Chromium takes about this long to show a frame

class LivePlayer {
  // listener: onFirstFrame(ms), onState(), onError(message), onNeedsGesture(), onAutoMuted()
  constructor(video, listener) {
    this.video = video;
    this.listener = listener;
    this.mediaSource = null;
    this.sourceBuffer = null;
    this.mime = null;         // the SourceBuffer's type
    this.queuedMime = null;   // ... once the queued changes are done
    this.queue = [];          // appends/removes waiting for the SourceBuffer
    this.baseUs = null;       // capture time of position 0
    this.lastInit = null;     // the init segment last appended
    this.runOffsetUs = null;  // capture_us - media_time_us of the current ingest run
    this.anchor = null;       // {posS, playAtUs} of the newest chunk: the schedule
    this.newestCaptureUs = null;
    this.started = false;     // the playhead was put on the schedule once
    this.startTimer = null;
    this.seekStartedMs = 0;
    this.wantPlay = true;     // false after the user paused
    this.playPending = false; // a play() promise is still open
    this.needsGesture = false; // autoplay refused even muted: only a click may start playback
    this.followLive = true;   // steer toward the schedule (false after a pause, until LIVE)
    this.firstFrameMs = null;
    this.arrivalMs = null;
    this.stallStartedMs = null;
    this.progress = null;     // {pos, at}: where the playhead last moved, and when
    this.stallPos = 0;        // where the playhead stood when the current stall began
    this.delaySamples = [];
    this.counts = { delivered: 0, appended: 0, ignoredBeforeInit: 0, badPayloads: 0, discontinuities: 0,
                    seeks: 0, gapJumps: 0, stalls: 0, stalledMs: 0, quotaEvictions: 0, appendErrors: 0 };
    this.watchVideo();
    this.attachMediaSource();
    this.steerTimer = setInterval(() => this.steer(), STEER_INTERVAL_MS);
    this.sampleTimer = setInterval(() => this.sampleDelay(), DELAY_SAMPLE_MS);
  }

  // ---- chunks in ---------------------------------------------------------------------------

  deliver(chunk) {
    this.counts.delivered += 1;
    // How long after its capture a chunk was handed over: the source's and the swarm's share of
    // the delay (the rest is the engine's margin, held as buffer).
    this.arrivalMs = Date.now() - chunk.captureUs / 1000;
    let media;
    try {
      media = parseMediaPayload(chunk.payload);
    } catch (e) {
      this.counts.badPayloads += 1;
      console.warn(`potok: chunk ${chunk.seq}: ${e.message}`);
      return;
    }
    if (!this.mime) {
      // Decoding starts at a keyframe that carries the init segment; the engine starts playout
      // at one, so anything before it is a leftover of nothing.
      if (!media.hasInit) {
        this.counts.ignoredBeforeInit += 1;
        return;
      }
      if (!this.createSourceBuffer(media.mime)) return;
    }
    const runOffsetUs = chunk.captureUs - media.mediaTimeUs;
    const newRun = this.runOffsetUs !== null &&
      (media.discontinuity || Math.abs(runOffsetUs - this.runOffsetUs) > RUN_OFFSET_TOLERANCE_US);
    if (newRun) {
      this.counts.discontinuities += 1;
      console.log(`potok: discontinuity at chunk ${chunk.seq}${media.discontinuity ? '' : ' (not flagged)'}: ` +
        `capture ${chunk.captureUs} us, media time ${media.mediaTimeUs} us, ` +
        `capture - media moved by ${((runOffsetUs - this.runOffsetUs) / 1000).toFixed(1)} ms`);
    }
    this.runOffsetUs = runOffsetUs;
    if (this.baseUs === null) this.baseUs = chunk.captureUs;
    const posS = (chunk.captureUs - this.baseUs) / 1e6;
    this.anchor = { posS, playAtUs: chunk.playAtUs };
    this.newestCaptureUs = chunk.captureUs;
    if (media.hasInit && (newRun || !sameBytes(media.init, this.lastInit))) {
      if (this.queuedMime !== media.mime) {
        this.queue.push({ kind: 'changeType', mime: media.mime });
        this.queuedMime = media.mime;
      }
      this.queue.push({ kind: 'append', data: media.init.slice(), offset: null });
      this.lastInit = media.init.slice();
    }
    this.queue.push({ kind: 'append', data: media.fragment.slice(), offset: (runOffsetUs - this.baseUs) / 1e6 });
    this.pump();
  }

  // The MediaSource is attached at once, so it is open by the time the first chunk arrives
  // (opening takes a trip through the media pipeline, which would add to the startup time).
  attachMediaSource() {
    if (!window.MediaSource) return;
    this.mediaSource = new MediaSource();
    this.mediaSource.addEventListener('sourceopen', () => this.createSourceBuffer(this.mime), { once: true });
    this.video.src = URL.createObjectURL(this.mediaSource);
  }

  // One SourceBuffer for the whole session, for the MIME type of the first init segment; later
  // codec changes go through changeType. False if the browser cannot play the stream.
  createSourceBuffer(mime) {
    if (!mime) return false;
    if (!this.mime) {
      if (!MediaSource.isTypeSupported(mime)) {
        this.listener.onError(`this browser cannot play ${mime}`);
        return false;
      }
      this.mime = mime;
      this.queuedMime = mime;
      console.log(`potok: media type ${mime}`);
    }
    if (this.sourceBuffer || this.mediaSource.readyState !== 'open') return true;  // sourceopen will
    this.sourceBuffer = this.mediaSource.addSourceBuffer(this.mime);
    this.sourceBuffer.mode = 'segments';
    this.sourceBuffer.addEventListener('updateend', () => this.pump());
    this.sourceBuffer.addEventListener('error', () => {
      const e = this.video.error;
      console.warn(`potok: SourceBuffer error${e ? `: media error ${e.code} ${e.message}` : ''}`);
    });
    this.pump();
    return true;
  }

  pump() {
    const sb = this.sourceBuffer;
    if (!sb || sb.updating || this.queue.length === 0 || this.mediaSource.readyState !== 'open') return;
    const op = this.queue.shift();
    try {
      if (op.kind === 'append') {
        if (op.offset !== null && sb.timestampOffset !== op.offset) sb.timestampOffset = op.offset;
        sb.appendBuffer(op.data);
        this.counts.appended += 1;
      } else if (op.kind === 'remove') {
        if (op.end > op.start) sb.remove(op.start, op.end);
        else this.pump();
      } else if (op.kind === 'changeType') {
        if (sb.changeType) sb.changeType(op.mime);
        this.pump();
      }
    } catch (e) {
      if (e.name === 'QuotaExceededError' && op.kind === 'append') {
        // Full: drop what lies behind the playhead, then try the same append again.
        const end = this.video.currentTime - 1;
        const start = sb.buffered.length ? sb.buffered.start(0) : 0;
        if (end > start) {
          this.counts.quotaEvictions += 1;
          this.queue.unshift(op);  // retried when the removal is done (updateend)
          sb.remove(start, end);
          return;
        }
      }
      this.counts.appendErrors += 1;
      console.warn(`potok: ${op.kind} failed: ${e.name}: ${e.message}`);
      this.pump();
    }
  }

  // ---- the playhead ------------------------------------------------------------------------

  // The position the engine's schedule puts on screen now.
  scheduledPosition() {
    if (!this.anchor) return null;
    return this.anchor.posS + (engineNowUs() - this.anchor.playAtUs) / 1e6;
  }

  steer() {
    const v = this.video;
    const target = this.scheduledPosition();
    if (target === null || !this.sourceBuffer || v.readyState === 0) return;
    const ranges = v.buffered;
    if (ranges.length === 0) return;
    if (!this.started) {
      // Park on the first data (the decoder prepares its first frame meanwhile), then start
      // exactly when the schedule reaches it: a timer, not the next steering tick.
      const first = ranges.start(0);
      const waitMs = (first - target) * 1000 - PLAY_LEAD_MS;
      if (waitMs <= 0) this.startPlayback();
      else if (waitMs < 2 * STEER_INTERVAL_MS && !this.startTimer) this.startTimer = setTimeout(() => this.startPlayback(), waitMs);
      else if (v.currentTime < first) this.seekTo(first);
      return;
    }
    this.trim(target);
    this.checkProgress();
    // A seek normally completes within a frame or two; one that hangs (Chromium can, e.g. at
    // the very end of the data) must not keep the playhead from data that arrived since.
    if (v.paused) {
      // Paused but not by the viewer (a play() that was interrupted, the browser's own doing):
      // try again rather than sit still.
      if (this.wantPlay && !this.playPending && !this.needsGesture) this.play();
      return;
    }
    if (v.seeking && performance.now() - this.seekStartedMs < SEEK_PATIENCE_MS) return;
    if (!this.followLive) {
      v.playbackRate = 1;
      this.skipGap(v.currentTime);
      return;
    }
    const error = v.currentTime - target;  // > 0: ahead of the schedule, too close to live
    if (Math.abs(error) > SEEK_THRESHOLD_S) {
      this.seekTo(this.playablePosition(target));
      return;
    }
    if (this.skipGap(target)) return;
    const correction = Math.abs(error) < RATE_DEAD_ZONE_S ? 0 : error * RATE_GAIN_PER_S;
    const rate = 1 - Math.max(-RATE_LIMIT, Math.min(RATE_LIMIT, correction));
    if (Math.abs(v.playbackRate - rate) > 0.005) v.playbackRate = rate;
  }

  startPlayback() {
    this.startTimer = null;
    if (this.started) return;
    const target = this.scheduledPosition();
    if (this.video.buffered.length === 0) return;  // trimmed meanwhile: the next tick starts over
    this.started = true;
    const pos = this.playablePosition(Math.max(target, this.video.buffered.start(0)));
    if (Math.abs(this.video.currentTime - pos) > 0.05) this.seekTo(pos);
    this.play();
  }

  // Where to put the playhead for `pos`: pos itself if buffered, else the start of the next
  // buffered range (never wait for data that is not coming), else the newest data.
  playablePosition(pos) {
    const r = this.video.buffered;
    for (let i = 0; i < r.length; ++i) {
      if (pos < r.start(i)) return r.start(i);
      if (pos < r.end(i)) return pos;
    }
    return Math.max(r.start(r.length - 1), r.end(r.length - 1) - 0.1);
  }

  // Stuck at (or about to hit) the end of a buffered range with newer data after a gap: jump
  // to the newer data, no earlier than `floor`. True if it jumped.
  skipGap(floor) {
    const v = this.video;
    const r = v.buffered;
    const t = v.currentTime;
    for (let i = 0; i < r.length - 1; ++i) {
      const inGap = t >= r.end(i) - GAP_EDGE_S && t < r.start(i + 1);
      if (!inGap) continue;
      this.counts.gapJumps += 1;
      this.seekTo(Math.max(r.start(i + 1), Math.min(floor, r.end(i + 1) - 0.1)));
      return true;
    }
    return false;
  }

  seekTo(pos) {
    if (Math.abs(this.video.currentTime - pos) < 0.001) return;
    this.counts.seeks += 1;
    this.seekStartedMs = performance.now();
    this.video.currentTime = pos;
  }

  trim(target) {
    const r = this.video.buffered;
    if (r.length === 0) return;
    // Keep KEEP_BEHIND_S behind the playhead, and never more than a minute behind live even when
    // paused: a paused viewer resumes from live rather than holding the whole stream in memory.
    const keepFrom = Math.max(this.video.currentTime, target - 60) - KEEP_BEHIND_S;
    if (keepFrom - r.start(0) < TRIM_EVERY_S) return;
    if (this.queue.some((op) => op.kind === 'remove')) return;
    this.queue.push({ kind: 'remove', start: r.start(0), end: keepFrom });
    this.pump();
  }

  play() {
    this.wantPlay = true;
    this.needsGesture = false;
    this.playPending = true;
    const v = this.video;
    const settled = () => { this.playPending = false; };
    v.play().then(() => {
      settled();
      this.awaitFirstFrame();
    }).catch((e) => {
      if (e.name !== 'NotAllowedError') return settled();  // e.g. interrupted: steering retries
      if (!v.muted) {
        // Autoplay with sound refused: start muted, and let the viewer unmute.
        v.muted = true;
        this.listener.onAutoMuted();
        v.play().then(() => {
          settled();
          this.awaitFirstFrame();
        }).catch(() => {
          settled();
          this.blockedUntilGesture();
        });
      } else {
        settled();
        this.blockedUntilGesture();
      }
    });
  }

  // Autoplay is refused even muted: wait for the viewer's click (Watch, play), which calls play().
  blockedUntilGesture() {
    this.needsGesture = true;
    this.listener.onNeedsGesture();
  }

  pause() {
    this.wantPlay = false;
    this.followLive = false;
    this.video.pause();
  }

  goLive() {
    this.followLive = true;
    const target = this.scheduledPosition();
    if (target !== null && this.video.buffered.length) this.seekTo(this.playablePosition(target));
    this.play();
  }

  awaitFirstFrame() {
    if (this.firstFrameMs !== null) return;
    const v = this.video;
    const done = () => {
      if (this.firstFrameMs !== null) return;
      this.firstFrameMs = performance.now();  // since the page started loading
      this.listener.onFirstFrame(this.firstFrameMs);
    };
    if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(done);
    const start = v.currentTime;
    const onTime = () => {
      if (v.currentTime === start) return;
      v.removeEventListener('timeupdate', onTime);
      done();
    };
    v.addEventListener('timeupdate', onTime);
  }

  // ---- measurements ------------------------------------------------------------------------

  watchVideo() {
    const v = this.video;
    v.addEventListener('waiting', () => {
      // A seek of ours that lands before the decoder catches up is not a stall of the stream.
      if (!v.seeking) this.beginStall('waiting');
    });
    v.addEventListener('pause', () => this.endStall());
    for (const name of ['playing', 'pause', 'volumechange', 'ratechange']) v.addEventListener(name, () => this.listener.onState());
  }

  // Chromium does not always say 'waiting' (e.g. after a seek to the very end of the data), so
  // a playhead that stops moving while it should play is a stall too. A stall ends once the
  // playhead has moved on by STALL_END_S from where it stood (or from where a seek put it).
  checkProgress() {
    const v = this.video;
    const now = performance.now();
    if (this.firstFrameMs === null || v.paused) {
      this.progress = null;
      return;
    }
    const last = this.progress;
    const advance = last ? v.currentTime - last.pos : 0;
    if (!last || v.seeking || advance < 0 || advance > 1) {
      this.progress = { pos: v.currentTime, at: now };  // a seek: no evidence either way
      if (this.stallStartedMs !== null) this.stallPos = v.currentTime;
      return;
    }
    if (advance > 0) this.progress = { pos: v.currentTime, at: now };
    if (this.stallStartedMs !== null) {
      if (v.currentTime - this.stallPos >= STALL_END_S) this.endStall();
    } else if (now - this.progress.at > STUCK_MS) {
      this.beginStall('no progress');
    }
  }

  beginStall(why) {
    const v = this.video;
    if (this.firstFrameMs === null || v.paused || this.stallStartedMs !== null) return;
    this.counts.stalls += 1;
    this.stallStartedMs = performance.now();
    this.stallPos = v.currentTime;
    console.log(`potok: stall (${why}) at ${v.currentTime.toFixed(2)} s, buffered ${describeRanges(v.buffered)}`);
    this.listener.onState();
  }

  endStall() {
    if (this.stallStartedMs === null) return;
    this.counts.stalledMs += performance.now() - this.stallStartedMs;
    this.stallStartedMs = null;
    this.listener.onState();
  }

  // Milliseconds between the capture of the frame on screen and now; null before the first frame.
  delayMs() {
    if (this.baseUs === null || this.firstFrameMs === null) return null;
    return Date.now() - (this.baseUs / 1000 + this.video.currentTime * 1000);
  }

  bufferAheadMs() {
    const r = this.video.buffered;
    const t = this.video.currentTime;
    for (let i = 0; i < r.length; ++i) if (t >= r.start(i) && t < r.end(i)) return (r.end(i) - t) * 1000;
    return 0;
  }

  isPlaying() {
    const v = this.video;
    return this.firstFrameMs !== null && !v.paused && !v.ended && this.stallStartedMs === null;
  }

  // Within the live window of the schedule (what the LIVE badge shows).
  isLive() {
    const target = this.scheduledPosition();
    return target !== null && this.followLive && Math.abs(target - this.video.currentTime) <= LIVE_WINDOW_S;
  }

  stalledMs() {
    const open = this.stallStartedMs === null ? 0 : performance.now() - this.stallStartedMs;
    return this.counts.stalledMs + open;
  }

  sampleDelay() {
    if (!this.isPlaying()) return;
    const d = this.delayMs();
    if (d !== null) this.delaySamples.push(Math.round(d));
  }
}

function describeRanges(r) {
  const parts = [];
  for (let i = 0; i < r.length; ++i) parts.push(`${r.start(i).toFixed(2)}-${r.end(i).toFixed(2)}`);
  return parts.join(' ') || 'nothing';
}
