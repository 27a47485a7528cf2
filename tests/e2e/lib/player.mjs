// Reading the player page's test hooks (window.potok, see web/player/main.js) from a test.
import { openViewer, launchChromium } from './browser.mjs';
import { sleep, waitUntil } from './wait.mjs';

export function stats(viewer) {
  return viewer.page.evaluate(() => window.potok.stats());
}

export function delaySamples(viewer) {
  return viewer.page.evaluate(() => window.potok.delaySamples());
}

// Launches Chromium (registered for cleanup) and opens `count` viewers of `url`, each in its own
// browser context, `staggerMs` apart: viewers on one 2-core machine that all load at the same
// instant starve each other (and the encoder) in a way viewers on their own machines never do.
export async function openViewers(t, url, count = 1, { staggerMs = 0 } = {}) {
  const browser = await launchChromium();
  t.browsers.push(browser);
  const opening = [];
  for (let i = 0; i < count; ++i) {
    if (i > 0 && staggerMs > 0) await sleep(staggerMs);
    opening.push(openViewer(browser, url, count === 1 ? 'viewer' : `viewer ${i + 1}`));
  }
  const viewers = await Promise.all(opening);
  t.viewers.push(...viewers);
  return viewers;
}

export async function waitForPlaying(viewer, timeoutMs) {
  return waitUntil(`${viewer.label} to play`, async () => {
    const s = await stats(viewer);
    return s.playing ? s : false;
  }, { timeoutMs });
}

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function describe(s) {
  return `state=${s.state} delay=${s.delay_ms}ms buffer=${s.buffer_ms}ms position=${s.position_s}s ` +
    `delivered=${s.delivered} skipped=${s.skipped} verified=${s.chunks_verified} rejected=${s.chunks_rejected} ` +
    `stalls=${s.stalls}/${s.stalled_ms}ms discontinuities=${s.discontinuities} resyncs=${s.resyncs} ` +
    `target=${s.playout_delay_ms}ms rate=${s.playback_rate}`;
}

// Lets `viewer` play for `seconds`, logging its stats every few seconds, and returns the stats
// before and after.
export async function watch(t, viewer, seconds) {
  const before = await stats(viewer);
  for (let elapsed = 0; elapsed < seconds; elapsed += 5) {
    await sleep(Math.min(5, seconds - elapsed) * 1000);
    t.log(`${viewer.label} after ${Math.min(seconds, elapsed + 5)} s: ${describe(await stats(viewer))}`);
  }
  return { before, after: await stats(viewer) };
}

// The checks every input test makes: it started, and then kept playing for `seconds`.
export async function expectPlaysFor(t, viewer, seconds, { startTimeoutMs = 20000 } = {}) {
  const first = await waitForPlaying(viewer, startTimeoutMs);
  t.log(`${viewer.label} playing: startup ${first.startup_ms} ms, ${describe(first)}`);
  const { before, after } = await watch(t, viewer, seconds);
  const advanced = after.position_s - before.position_s;
  t.check(after.playing, `${viewer.label} still playing after ${seconds} s (state ${after.state})`);
  t.check(advanced >= seconds * 0.8, `${viewer.label} played ${advanced.toFixed(1)} s of media in ${seconds} s`);
  t.check(after.frames - before.frames >= seconds * 10,
    `${viewer.label} showed ${after.frames - before.frames} frames in ${seconds} s`);
  t.check(after.chunks_rejected === 0, `${viewer.label} rejected ${after.chunks_rejected} chunks`);
  return { first, before, after };
}
