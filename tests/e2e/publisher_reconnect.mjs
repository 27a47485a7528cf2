// The RTMP publisher dies after ~6 s of playback and comes back 2 s later (media timestamps
// start again from zero). The viewer must resume: more chunks delivered, the ingest restart
// seen as a discontinuity, playing at the end.
import { runE2e } from './lib/harness.mjs';
import { startPotokStream } from './lib/potok_stream.mjs';
import { openViewers, waitForPlaying, stats, describe, watch } from './lib/player.mjs';
import { freePort, startRtmpPublisher, stopProcess } from './lib/media.mjs';
import { sleep, waitUntil } from './lib/wait.mjs';

await runE2e('publisher_reconnect', { timeoutMs: 100000 }, async (t) => {
  const rtmpUrl = `rtmp://127.0.0.1:${await freePort()}/live/test`;
  const { url } = await startPotokStream(t, ['--input', rtmpUrl]);
  const first = await startRtmpPublisher(t, rtmpUrl, 60);
  const [viewer] = await openViewers(t, url);
  const playing = await waitForPlaying(viewer, 20000);
  t.log(`playing: startup ${playing.startup_ms} ms, ${describe(playing)}`);
  await watch(t, viewer, 6);

  first.child.kill('SIGKILL');  // a crash, not a polite goodbye
  await stopProcess(first);
  const outage = await stats(viewer);
  t.log(`publisher killed: ${describe(outage)}`);
  await sleep(2000);
  await startRtmpPublisher(t, rtmpUrl, 60);
  t.log('publisher restarted');

  const resumed = await waitUntil('playback to resume after the publisher came back', async () => {
    const s = await stats(viewer);
    return s.delivered >= outage.delivered + 15 && s.discontinuities >= 1 && s.playing ? s : false;
  }, { timeoutMs: 25000 });
  t.log(`resumed: ${describe(resumed)}`);
  const { after } = await watch(t, viewer, 5);

  t.check(after.delivered > outage.delivered + 15, `delivered grew from ${outage.delivered} to ${after.delivered}`);
  t.check(after.discontinuities >= 1, `discontinuities seen: ${after.discontinuities}`);
  t.check(after.position_s > resumed.position_s + 3,
    `played on after resuming: position ${resumed.position_s} s -> ${after.position_s} s`);
  t.check(after.playing, `playing at the end (state ${after.state})`);
});
