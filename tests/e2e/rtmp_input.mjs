// `potok stream --input rtmp://127.0.0.1:PORT/live/test` listens; ffmpeg publishes a live
// H.264/AAC stream to it, and the viewer plays.
import { runE2e } from './lib/harness.mjs';
import { startPotokStream } from './lib/potok_stream.mjs';
import { openViewers, expectPlaysFor } from './lib/player.mjs';
import { freePort, startRtmpPublisher } from './lib/media.mjs';

await runE2e('rtmp_input', { timeoutMs: 80000 }, async (t) => {
  const rtmpUrl = `rtmp://127.0.0.1:${await freePort()}/live/test`;
  const { url } = await startPotokStream(t, ['--input', rtmpUrl]);
  await startRtmpPublisher(t, rtmpUrl, 60);
  const [viewer] = await openViewers(t, url);
  await expectPlaysFor(t, viewer, 8);
});
