// A relay between the viewer and the node forges one chunk (one flipped payload byte). The
// viewer must reject it by its signature (chunks_rejected, a forged_chunk event) and keep
// playing: more chunks delivered, no stall longer than a second, still playing 5 s later.
import { runE2e } from './lib/harness.mjs';
import { startPotokStream } from './lib/potok_stream.mjs';
import { startForgingRelay } from './lib/forging_relay.mjs';
import { openViewers, waitForPlaying, stats, describe } from './lib/player.mjs';
import { sleep, waitUntil } from './lib/wait.mjs';

await runE2e('forgery', { timeoutMs: 80000 }, async (t) => {
  // The page must name the relay as its bootstrap, so the relay listens first.
  const relay = await startForgingRelay(t);
  const stream = await startPotokStream(t, ['--size', '426x240', '--advertise', relay.url]);
  relay.upstreamUrl = stream.wsUrl;
  const [viewer] = await openViewers(t, stream.url);
  const playing = await waitForPlaying(viewer, 15000);
  t.log(`playing through the relay: ${describe(playing)}`);
  await sleep(2000);

  relay.arm();
  const rejected = await waitUntil('the forged chunk to be rejected', async () => {
    const s = await stats(viewer);
    return s.chunks_rejected >= 1 ? s : false;
  }, { timeoutMs: 10000 });
  t.log(`relay forged ${relay.forged} message(s) of ${relay.forgedSizes.join(', ')} bytes; ${describe(rejected)}`);
  await sleep(5000);
  const after = await stats(viewer);
  t.log(`5 s later: ${describe(after)}`);

  t.check(relay.forged === 1, `the relay forged ${relay.forged} chunk fragment(s)`);
  t.check(after.chunks_rejected >= 1, `chunks rejected: ${after.chunks_rejected}`);
  t.check(after.forged_events >= 1, `forged_chunk events: ${after.forged_events}`);
  t.check(after.delivered > rejected.delivered + 15,
    `delivered grew from ${rejected.delivered} to ${after.delivered} in the 5 s after the forgery`);
  t.check(after.stalled_ms - playing.stalled_ms <= 1000,
    `stalled ${after.stalled_ms - playing.stalled_ms} ms since playback started (<= 1000 ms)`);
  t.check(after.playing, `still playing 5 s after the forgery (state ${after.state})`);
});
