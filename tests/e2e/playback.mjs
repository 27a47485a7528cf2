// Three viewers watch the test pattern for 30 s: each starts within 4 s of opening the page,
// stays within 2 s of the source (95th percentile of its delay samples: "a second or two of
// live") and stalls at most once, briefly. The limits catch a broken player, not a slow machine: speed is for
// benchmarks, and the figures each run measured are printed. (With limits of 2 s and 1 s, the
// session-3 engine failed this test on a fresh machine of the same kind, idle: startup
// 1.1-1.7 s, delay p95 1.09-1.11 s; docs/performance.md.)
import { runE2e } from './lib/harness.mjs';
import { startPotokStream } from './lib/potok_stream.mjs';
import { openViewers, waitForPlaying, watch, delaySamples, percentile, describe } from './lib/player.mjs';

const VIEWERS = 3;
const WATCH_S = 30;
const MAX_STARTUP_MS = 4000;
const MAX_DELAY_P95_MS = 2000;

await runE2e('playback', { timeoutMs: 110000 }, async (t) => {
  const { url } = await startPotokStream(t, ['--size', '426x240']);
  const viewers = await openViewers(t, url, VIEWERS, { staggerMs: 1500 });
  await Promise.all(viewers.map((v) => waitForPlaying(v, 15000)));
  const results = await Promise.all(viewers.map((v) => watch(t, v, WATCH_S)));
  for (const [i, v] of viewers.entries()) {
    const { after } = results[i];
    const samples = await delaySamples(v);
    const p50 = percentile(samples, 50);
    const p95 = percentile(samples, 95);
    t.log(`${v.label}: ${describe(after)}`);
    t.log(`${v.label}: startup ${after.startup_ms} ms, delay p50 ${p50} ms, p95 ${p95} ms over ${samples.length} samples, ` +
      `max ${Math.max(...samples)} ms, stalls ${after.stalls} (${after.stalled_ms} ms)`);
    t.check(after.startup_ms !== null && after.startup_ms <= MAX_STARTUP_MS,
      `${v.label} startup ${after.startup_ms} ms <= ${MAX_STARTUP_MS} ms`);
    t.check(samples.length >= WATCH_S * 3, `${v.label} has ${samples.length} delay samples`);
    t.check(p95 <= MAX_DELAY_P95_MS, `${v.label} delay p95 ${p95} ms <= ${MAX_DELAY_P95_MS} ms`);
    // One short stall right after the start is what a busy machine gave (174-309 ms, with the
    // rest of the suite running beside it); more, or a long one, is a broken player.
    t.check(after.stalls <= 1 && after.stalled_ms <= 1000,
      `${v.label} stalls after start: ${after.stalls} (${after.stalled_ms} ms), at most 1 and 1000 ms`);
    t.check(after.playing, `${v.label} playing at the end (state ${after.state})`);
    t.check(after.chunks_verified > 0 && after.chunks_rejected === 0,
      `${v.label} chunks verified ${after.chunks_verified}, rejected ${after.chunks_rejected}`);
  }
});
