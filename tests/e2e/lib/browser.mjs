// Debian's Chromium, headless, driven by playwright-core (never `npx playwright install`).
import { chromium } from './deps.mjs';
import { withTimeout } from './wait.mjs';

// The flags verified on this machine (docs: shared brief). Playwright gives every launch a fresh
// temporary profile (user-data-dir) and removes it afterwards.
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-features=WebRtcHideLocalIpsWithMdns', '--autoplay-policy=no-user-gesture-required',
];

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.POTOK_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30000,
  });
}

// Opens `url` in a new browser context (its own cookies, storage and media state) and keeps the
// page's console for the report.
export async function openViewer(browser, url, label) {
  const context = await browser.newContext({ viewport: { width: 640, height: 360 } });
  const page = await context.newPage();
  const viewer = { label, context, page, console: [], errors: [] };
  page.on('console', (msg) => viewer.console.push(`${msg.type()}: ${msg.text()}`));
  page.on('pageerror', (error) => viewer.errors.push(error.message));
  await withTimeout(page.goto(url, { waitUntil: 'load', timeout: 20000 }), 25000, `${label} to load ${url}`);
  return viewer;
}

// The page's console lines that came from the player ("potok:"), for failure reports.
export function potokLog(viewer, lines = 40) {
  const mine = collapseSkips(viewer.console.filter((l) => l.includes('potok:') || l.startsWith('error')));
  const errors = viewer.errors.map((e) => `pageerror: ${e}`);
  return [...mine.slice(-lines), ...errors].map((l) => `    ${l}`).join('\n');
}

// A resync skips dozens of chunks, one line each: one line for each run of them, so that the
// tail still shows what led to it.
function collapseSkips(lines) {
  const out = [];
  let run = [];
  const flush = () => {
    if (run.length > 2) out.push(`${run[0]}  ... and ${run.length - 1} more skipped, to ${run[run.length - 1].match(/seq=\d+/)?.[0]}`);
    else out.push(...run);
    run = [];
  };
  for (const line of lines) {
    if (line.includes('chunk_skipped')) run.push(line);
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out;
}
