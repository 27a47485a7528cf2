// npm packages live in web/node_modules (scripts/setup runs `npm ci` there). ES modules do not
// search NODE_PATH, so resolve them from web/package.json explicitly.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const requireFromWeb = createRequire(path.join(repoRoot, 'web', 'package.json'));

function load(name) {
  try {
    return requireFromWeb(name);
  } catch (e) {
    throw new Error(`cannot load npm package '${name}' from web/node_modules (run scripts/setup): ${e.message}`);
  }
}

export const { chromium } = load('playwright-core');
export const { WebSocket, WebSocketServer } = load('ws');
