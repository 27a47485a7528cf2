// The player's controls, overlays and keyboard shortcuts. It only reads the LivePlayer and the
// stats snapshot; all decisions about playback stay in LivePlayer.

const IDLE_HIDE_MS = 3000;  // controls fade after this long without the pointer moving

// Icons as inline SVG: emoji and symbol glyphs depend on the fonts a machine happens to have.
const svgIcon = (body) => `<svg viewBox="0 0 24 24" width="18" height="18" fill="currentColor" aria-hidden="true">${body}</svg>`;
const ICONS = {
  play: svgIcon('<path d="M7 4v16l13-8z"/>'),
  pause: svgIcon('<path d="M6 4h4v16H6zM14 4h4v16h-4z"/>'),
  sound: svgIcon('<path d="M3 9v6h4l5 5V4L7 9zM15 8.5v7a4 4 0 0 0 0-7zM15 4.3v2.1a6 6 0 0 1 0 11.2v2.1a8 8 0 0 0 0-15.4z"/>'),
  muted: svgIcon('<path d="M3 9v6h4l5 5V4L7 9zM16 9.4l1.4-1.4 2.1 2.1 2.1-2.1 1.4 1.4-2.1 2.1 2.1 2.1-1.4 1.4-2.1-2.1-2.1 2.1-1.4-1.4 2.1-2.1z"/>'),
  fullscreen: svgIcon('<path d="M4 4h6v2H6v4H4zM14 4h6v6h-2V6h-4zM4 14h2v4h4v2H4zM18 14h2v6h-6v-2h4z"/>'),
};

class PlayerUi {
  constructor(doc, actions) {
    const $ = (id) => doc.getElementById(id);
    this.doc = doc;
    this.actions = actions;  // {togglePlay, toggleMute, setVolume, goLive, watch}
    this.root = $('player');
    this.video = $('video');
    this.welcome = $('welcome');
    this.status = $('status');
    this.notice = $('notice');
    this.stats = $('stats');
    this.statsRows = $('stats-rows');
    this.playButton = $('play');
    this.muteButton = $('mute');
    this.volume = $('volume');
    this.live = $('live');
    this.delay = $('delay');
    $('fullscreen').innerHTML = ICONS.fullscreen;
    this.shownIcons = {};
    this.playButton.addEventListener('click', () => actions.togglePlay());
    this.muteButton.addEventListener('click', () => actions.toggleMute());
    this.volume.addEventListener('input', () => actions.setVolume(Number(this.volume.value)));
    this.live.addEventListener('click', () => actions.goLive());
    $('watch').addEventListener('click', () => actions.watch());
    $('stats-toggle').addEventListener('click', () => this.toggleStats());
    $('fullscreen').addEventListener('click', () => this.toggleFullscreen());
    this.video.addEventListener('click', () => actions.togglePlay());
    doc.addEventListener('keydown', (e) => this.onKey(e));
    this.root.addEventListener('pointermove', () => this.wake());
    this.wake();
  }

  setInfo(title, welcome) {
    if (title) {
      this.doc.title = title;
      this.doc.getElementById('title').textContent = title;
    }
    this.doc.getElementById('welcome-text').textContent = welcome || '';
  }

  setStatus(text) {
    this.status.textContent = text;
  }

  hideWelcome() {
    this.welcome.classList.add('hidden');
  }

  // A message over the video; `action` ({label, run}) adds a button.
  showNotice(text, { error = false, action = null } = {}) {
    this.notice.textContent = text;
    this.notice.classList.toggle('error', error);
    if (action) {
      const button = this.doc.createElement('button');
      button.textContent = action.label;
      button.addEventListener('click', () => {
        this.notice.hidden = true;
        action.run();
      });
      this.notice.appendChild(button);
    }
    this.notice.hidden = false;
  }

  hideNotice() {
    this.notice.hidden = true;
  }

  toggleStats() {
    this.stats.hidden = !this.stats.hidden;
  }

  toggleFullscreen() {
    if (this.doc.fullscreenElement) this.doc.exitFullscreen().catch(() => {});
    else this.root.requestFullscreen().catch(() => {});
  }

  onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.target instanceof HTMLInputElement) return;
    const keys = {
      s: () => this.toggleStats(),
      k: () => this.actions.togglePlay(),
      ' ': () => this.actions.togglePlay(),
      m: () => this.actions.toggleMute(),
      f: () => this.toggleFullscreen(),
      l: () => this.actions.goLive(),
    };
    const run = keys[e.key.toLowerCase()];
    if (!run) return;
    e.preventDefault();
    run();
  }

  wake() {
    this.root.classList.remove('idle');
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.root.classList.add('idle'), IDLE_HIDE_MS);
  }

  render(s, live) {
    const v = this.video;
    this.setIcon(this.playButton, v.paused ? 'play' : 'pause');
    this.setIcon(this.muteButton, v.muted || v.volume === 0 ? 'muted' : 'sound');
    if (Number(this.volume.value) !== v.volume) this.volume.value = String(v.volume);
    this.live.classList.toggle('on', live);
    this.live.classList.toggle('behind', !live);
    this.live.title = live ? 'Live' : 'Behind live: click to jump to live';
    this.delay.textContent = s.delay_ms === null ? '' : `${(s.delay_ms / 1000).toFixed(2)} s behind`;
    if (!this.stats.hidden) this.renderStats(s);
  }

  setIcon(button, name) {
    if (this.shownIcons[button.id] === name) return;  // keep the DOM still between changes
    this.shownIcons[button.id] = name;
    button.innerHTML = ICONS[name];
  }

  renderStats(s) {
    const ms = (v) => (v === null ? '–' : `${Math.round(v)} ms`);
    const rows = [
      ['state', s.state],
      ['delay behind source', ms(s.delay_ms)],
      ['engine target delay', ms(s.playout_delay_ms)],
      ['buffer ahead', ms(s.buffer_ms)],
      ['upstream peers', s.upstreams],
      ['downstream peers', s.downstreams],
      ['bytes up / down', `${formatBytes(s.bytes_up)} / ${formatBytes(s.bytes_down)}`],
      ['chunks verified / rejected', `${s.chunks_verified} / ${s.chunks_rejected}`],
      ['chunks played / skipped', `${s.delivered} / ${s.skipped}`],
      ['stalls', `${s.stalls} (${ms(s.stalled_ms)})`],
      ['startup', ms(s.startup_ms)],
      ['playback rate', this.video.playbackRate.toFixed(3)],
    ];
    this.statsRows.replaceChildren(...rows.map(([name, value]) => {
      const tr = this.doc.createElement('tr');
      for (const text of [name, String(value)]) {
        const td = this.doc.createElement('td');
        td.textContent = text;
        tr.appendChild(td);
      }
      return tr;
    }));
  }
}

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}
