// The fontgan page: a live character map, text in GAN handwriting, a morph panel and random hybrids.
//
// Every frame gathers the glyphs that need a new image into ONE GlyphBatch (latents written straight into
// the wasm heap), runs the generator once, and draws each glyph from the batch's output. A frame budget
// decides how many "alive" glyphs (the map, the text) are refreshed; changes (typing, the morph strip,
// surprises) always go first. Sections scrolled out of view are skipped.
import { loadFontGAN } from '../wasm/fontgan.js';

const $ = (id) => document.getElementById(id);

const INK = [236, 240, 250, 255];
const ACCENT = [255, 206, 112, 255];
const MAX_TEXT = 48;          // matches the input's maxlength
const STRIP_STEPS = 9;
const SURPRISES = 8;
const FRAME_BUDGET_MS = 8;    // generator time per frame (60 fps leaves ~16 ms for everything)
const TRANSITION_MS = 650;    // text glyph morph from old to new character
const ADVANCE = 19, LINE = 30, PAD = 6;  // text layout in generator pixels (glyphs overlap a little)

const state = {
    text: 'Hello World', seed: 7, a: 'A', b: 'g', mode: 'slerp', t: 0, speed: 1, wander: 0.2, // wander: drift amplitude; N(0,1) directions, so 0.2 keeps each glyph readable
    paused: false, playing: true,
};

let gan, batch;
const clock = { anim: 0, last: 0, phase: 0 };

// ---------------------------------------------------------------------------------------------------
// Small helpers

const ease = (x) => (x <= 0 ? 0 : x >= 1 ? 1 : x * x * (3 - 2 * x));

// Seeds for the page's random latents: one space per purpose so they never collide.
const surpriseSeed = (k) => state.seed * 64 + k;
const wobbleSeed = (kind, i, j) => 1e9 + kind * 1e6 + i * 4 + j;

function resolveChar(ch) {
    if (ch === undefined || ch === ' ') return null;
    if (gan.indexOf(ch) >= 0) return ch;
    for (const alt of [ch.toUpperCase(), ch.toLowerCase()]) if (gan.indexOf(alt) >= 0) return alt;
    return null;
}

function endpointLatent(spec, out) {
    if (spec.startsWith('~')) return gan.randomLatent(surpriseSeed(Number(spec.slice(1))), out);
    return gan.latent(spec, out);
}
const endpointName = (spec) => (spec.startsWith('~') ? `surprise ${Number(spec.slice(1)) + 1}` : spec);

// z[o..o+dim) = base + amp * (cos(angle) * n1 + sin(angle) * n2): a smooth loop around base.
function writeWobble(z, o, base, n1, n2, amp, angle) {
    const c = amp * Math.cos(angle), s = amp * Math.sin(angle);
    for (let k = 0; k < base.length; k++) z[o + k] = base[k] + c * n1[k] + s * n2[k];
}

// ---------------------------------------------------------------------------------------------------
// Slots: one glyph each. write() puts its latent in the batch, draw() takes its image from the batch.

class GridSlot {
    constructor(i, ch, canvas) {
        this.ch = ch;
        this.base = gan.latent(ch);
        this.n1 = gan.randomLatent(wobbleSeed(1, i, 0));
        this.n2 = gan.randomLatent(wobbleSeed(1, i, 1));
        this.speed = 0.55 + 0.35 * ((i * 0.618) % 1);
        this.phase = i * 2.4;
        this.context = canvas.getContext('2d');
        this.drawOptions = { first: 0, count: 1, ink: INK };
    }
    write(z, o) { writeWobble(z, o, this.base, this.n1, this.n2, state.wander, this.phase + clock.anim * this.speed); }
    draw(images, j) { this.drawOptions.first = j; gan.draw(this.context, images, this.drawOptions); }
}

class TextSlot {
    constructor(i) {
        const dim = gan.latentDim;
        this.i = i;
        this.ch = null;
        this.cur = gan.randomLatent(wobbleSeed(2, i, 2));
        this.from = new Float32Array(dim);
        this.to = new Float32Array(dim);
        this.n1 = gan.randomLatent(wobbleSeed(2, i, 0));
        this.n2 = gan.randomLatent(wobbleSeed(2, i, 1));
        this.image = new Float32Array(gan.width * gan.height).fill(-1);
        this.alpha = 0; this.alphaFrom = 0; this.alphaTo = 0;
        this.t0 = -1e9;
        this.x = 0; this.y = 0;
    }
    setChar(ch, now) {
        if (ch === this.ch) return;
        this.from.set(this.cur);
        if (ch) gan.latent(ch, this.to); else this.to.set(this.cur);
        this.alphaFrom = this.alpha;
        this.alphaTo = ch ? 1 : 0;
        this.ch = ch;
        this.t0 = now;
    }
    transitioning(now) { return now - this.t0 < TRANSITION_MS; }
    write(z, o, now) {
        const e = ease((now - this.t0) / TRANSITION_MS);
        gan.mix(this.from, this.to, e, { mode: 'slerp', out: this.cur });
        this.alpha = this.alphaFrom + (this.alphaTo - this.alphaFrom) * e;
        writeWobble(z, o, this.cur, this.n1, this.n2, state.wander * 0.45, this.i * 1.7 + clock.anim * 0.8);
    }
    draw(images, j) {
        const image = this.image, p = image.length;
        for (let k = 0, q = j * p; k < p; k++, q++) image[k] = images[q];
        text.dirty = true;
    }
}

class MorphSlot {
    constructor() { this.drawOptions = { first: 0, count: 1, ink: ACCENT }; }
    write(z, o, now, j) { batch.mix(j, morph.a, morph.b, state.t, state.mode); }
    draw(images, j) { this.drawOptions.first = j; gan.draw(morph.context, images, this.drawOptions); }
}

class StripSlot {
    constructor(k) { this.k = k; this.drawOptions = { first: 0, count: 1, ink: INK, x: k * (gan.width + 4), y: 0 }; }
    write(z, o, now, j) { batch.mix(j, morph.a, morph.b, this.k / (STRIP_STEPS - 1), state.mode); }
    draw(images, j) {
        this.drawOptions.first = j;
        gan.draw(morph.stripImage, images, this.drawOptions);
        morph.stripDirty = true;
    }
}

class SurpriseSlot {
    constructor(k, canvas, label, button) {
        this.k = k; this.label = label; this.button = button;
        this.latent = new Float32Array(gan.latentDim);
        this.context = canvas.getContext('2d');
        this.drawOptions = { first: 0, count: 1, ink: INK };
    }
    write(z, o) {
        gan.randomLatent(surpriseSeed(this.k), this.latent);
        z.set(this.latent, o);
        const near = gan.nearest(this.latent);
        this.label.textContent = `≈ ${near}`;
        this.button.setAttribute('aria-label', `Surprise ${this.k + 1}, nearest character ${near}: morph to it`);
    }
    draw(images, j) { this.drawOptions.first = j; gan.draw(this.context, images, this.drawOptions); }
}

// ---------------------------------------------------------------------------------------------------
// Sections

const sections = { write: true, map: true, morph: true, surprise: true };
const grid = [];
const text = { count: 0, slots: [], canvas: null, context: null, image: null, alpha: null, w: 0, h: 0, dirty: true, layoutKey: '' };
const morph = { a: null, b: null, context: null, strip: null, stripImage: null, stripDirty: false, main: null, steps: [], stepsDirty: true };
const surprise = { slots: [], dirty: true };
const pending = new Set();   // slots that must be drawn next frame (changes)

function buildGrid() {
    const container = $('grid');
    gan.chars.forEach((ch, i) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'cell';
        button.setAttribute('aria-label', `${ch}: morph from ${ch}`);
        button.dataset.char = ch;
        const canvas = document.createElement('canvas');
        canvas.width = gan.width; canvas.height = gan.height;
        canvas.setAttribute('aria-hidden', 'true');
        const label = document.createElement('span');
        label.className = 'cell-label';
        label.textContent = ch;
        button.append(canvas, label);
        container.append(button);
        grid.push(new GridSlot(i, ch, canvas));
        button.addEventListener('click', () => {
            setMorph(ch, state.b === ch ? state.a : state.b);
            $('morph-title').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
        });
    });
    grid.forEach((s) => pending.add(s));
}

function buildSurprise() {
    const container = $('surprise-grid');
    for (let k = 0; k < SURPRISES; k++) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'cell';
        const canvas = document.createElement('canvas');
        canvas.width = gan.width; canvas.height = gan.height;
        canvas.setAttribute('aria-hidden', 'true');
        const label = document.createElement('span');
        label.className = 'cell-label';
        button.append(canvas, label);
        container.append(button);
        surprise.slots.push(new SurpriseSlot(k, canvas, label, button));
        button.addEventListener('click', () => setMorph(state.a, `~${k}`));
    }
}

function fillSelect(select) {
    select.replaceChildren();
    for (const ch of gan.chars) select.append(new Option(ch, ch));
    for (let k = 0; k < SURPRISES; k++) select.append(new Option(`surprise ${k + 1}`, `~${k}`));
}

function setMorph(a, b) {
    state.a = a; state.b = b;
    morph.a = endpointLatent(a, morph.a ?? new Float32Array(gan.latentDim));
    morph.b = endpointLatent(b, morph.b ?? new Float32Array(gan.latentDim));
    $('morph-a').value = a; $('morph-b').value = b;
    $('morph-canvas').setAttribute('aria-label', `Morph from ${endpointName(a)} to ${endpointName(b)}`);
    morph.stepsDirty = true;
    pending.add(morph.main);
    saveHash();
}

// Text layout: greedy word wrap into `cols` columns; each character keeps its index (its slot).
function layoutText() {
    const stage = text.canvas.parentElement;
    const cols = Math.max(6, Math.min(16, Math.floor(stage.clientWidth / 44)));
    const chars = [...state.text].slice(0, MAX_TEXT);
    const key = `${cols}|${chars.join('')}`;
    if (key === text.layoutKey) return;
    text.layoutKey = key;
    let col = 0, row = 0, widest = 1;
    let i = 0;
    while (i < chars.length) {
        if (chars[i] === ' ') {
            if (col > 0 && col < cols) { text.slots[i].x = col; text.slots[i].y = row; col++; }
            else { text.slots[i].x = -1; }
            i++; continue;
        }
        let end = i;
        while (end < chars.length && chars[end] !== ' ') end++;
        const word = end - i;
        if (col > 0 && col + word > cols) { col = 0; row++; }
        for (; i < end; i++) {
            if (col >= cols) { col = 0; row++; }
            text.slots[i].x = col; text.slots[i].y = row; col++;
            widest = Math.max(widest, col);
        }
    }
    const rows = row + 1;
    const w = PAD * 2 + (widest - 1) * ADVANCE + gan.width, h = PAD * 2 + (rows - 1) * LINE + gan.height;
    if (w !== text.w || h !== text.h) {
        text.w = w; text.h = h;
        text.canvas.width = w; text.canvas.height = h;
        text.image = text.context.createImageData(w, h);
        text.alpha = new Float32Array(w * h);
    }
    const scale = Math.min(stage.clientWidth / w, 3.5);
    text.canvas.style.width = `${Math.floor(w * scale)}px`;
    text.canvas.style.height = `${Math.floor(h * scale)}px`;
    text.dirty = true;
}

function setText(value, now = performance.now()) {
    state.text = value.slice(0, MAX_TEXT);
    const chars = [...state.text];
    text.count = Math.min(chars.length, MAX_TEXT);
    for (let i = 0; i < MAX_TEXT; i++) {
        const slot = text.slots[i];
        const ch = resolveChar(chars[i]);
        if (ch !== slot.ch) { slot.setChar(ch, now); pending.add(slot); }
    }
    text.canvas.setAttribute('aria-label', `"${state.text}" in GAN handwriting`);
    layoutText();
    saveHash();
}

// Composites the text glyphs (max of their inks, so overlapping strokes merge) into the text canvas.
function drawText() {
    const { w, h, alpha, image } = text;
    alpha.fill(0);
    const gw = gan.width, gh = gan.height, lo = gan.outMin, range = gan.outMax - gan.outMin;
    for (let i = 0; i < text.count; i++) {
        const s = text.slots[i];
        if (s.x < 0 || s.alpha <= 0.001) continue;
        const ox = PAD + s.x * ADVANCE, oy = PAD + s.y * LINE;
        for (let y = 0; y < gh; y++) {
            const row = (oy + y) * w + ox;
            for (let x = 0; x < gw; x++) {
                let a = ((s.image[y * gw + x] - lo) / range) * s.alpha;
                if (a > alpha[row + x]) alpha[row + x] = a;
            }
        }
    }
    const data = image.data;
    for (let p = 0, q = 0; p < alpha.length; p++, q += 4) {
        const a = alpha[p];
        data[q] = INK[0]; data[q + 1] = INK[1]; data[q + 2] = INK[2];
        data[q + 3] = a <= 0 ? 0 : a >= 1 ? 255 : a * 255;
    }
    text.context.putImageData(image, 0, 0);
    text.dirty = false;
}

// ---------------------------------------------------------------------------------------------------
// The frame loop

const jobs = [];
const wobblers = [];   // slots refreshed round-robin while alive
let cursor = 0;
const stats = { glyphs: 0, ms: 0, frames: 0, since: 0, perGlyph: 0.3 };
// Living glyphs refreshed per frame: at most what the generator budget allows, and fewer while frames come
// late (a slow or busy device, where painting costs too): shrink fast, grow back slowly.
let livingPerFrame = 24;

function frame(now) {
    requestAnimationFrame(frame);
    const dt = Math.min(100, now - (clock.last || now)) / 1000;
    clock.last = now;
    if (!state.paused) {
        clock.anim += dt;
        if (state.playing) {
            clock.phase += dt * state.speed * 0.25;
            state.t = 0.5 - 0.5 * Math.cos(clock.phase * Math.PI);
            pending.add(morph.main);
        }
    }

    // 1. changes first
    jobs.length = 0;
    if (morph.stepsDirty) { morph.steps.forEach((s) => pending.add(s)); morph.stepsDirty = false; }
    if (surprise.dirty) { surprise.slots.forEach((s) => pending.add(s)); surprise.dirty = false; }
    for (const slot of text.slots) if (slot.transitioning(now)) pending.add(slot);
    for (const slot of pending) if (jobs.length < batch.capacity) jobs.push(slot);
    pending.clear();

    // 2. then as many living glyphs as the budget allows, round-robin, visible sections only
    if (!state.paused) {
        wobblers.length = 0;
        if (sections.map) for (const s of grid) wobblers.push(s);
        if (sections.write) {
            for (let i = 0; i < text.count; i++) if (text.slots[i].ch) wobblers.push(text.slots[i]);
        }
        const late = dt > 0.022;
        livingPerFrame = late ? Math.max(4, Math.floor(livingPerFrame * 0.85)) : livingPerFrame + 1;
        livingPerFrame = Math.min(livingPerFrame, Math.max(4, Math.floor(FRAME_BUDGET_MS / stats.perGlyph)));
        const budget = jobs.length + livingPerFrame;
        let k = 0;
        for (; k < wobblers.length && jobs.length < budget && jobs.length < batch.capacity; k++) {
            const slot = wobblers[(cursor + k) % wobblers.length];
            if (!jobs.includes(slot)) jobs.push(slot);
        }
        cursor = wobblers.length ? (cursor + k) % wobblers.length : 0;
    }

    // 3. one generator call for the whole frame
    if (jobs.length) {
        const dim = gan.latentDim;
        let z = batch.z;
        for (let j = 0; j < jobs.length; j++) jobs[j].write(z, j * dim, now, j);
        const ms = batch.run(jobs.length);
        const images = batch.images;   // re-read after run(): the heap may have grown
        for (let j = 0; j < jobs.length; j++) jobs[j].draw(images, j);
        stats.glyphs += jobs.length; stats.ms += ms;
        stats.perGlyph = stats.perGlyph * 0.9 + (ms / jobs.length) * 0.1;
    }
    if (text.dirty) drawText();
    if (morph.stripDirty) { morph.strip.getContext('2d').putImageData(morph.stripImage, 0, 0); morph.stripDirty = false; }
    if (state.playing && !state.paused) updateMorphControls();

    stats.frames++;
    if (now - stats.since > 500) {
        const seconds = (now - stats.since) / 1000;
        $('stat-rate').textContent = Math.round(stats.glyphs / seconds).toLocaleString('en');
        $('stat-per-glyph').textContent = stats.glyphs ? (stats.ms / stats.glyphs).toFixed(3) : '–';
        $('stat-fps').textContent = Math.round(stats.frames / seconds);
        stats.glyphs = stats.ms = stats.frames = 0;
        stats.since = now;
    }
}

let lastSliderT = -1;
function updateMorphControls() {
    if (Math.abs(state.t - lastSliderT) < 0.002) return;
    lastSliderT = state.t;
    $('morph-t').value = state.t;
    $('morph-label').textContent = `t = ${state.t.toFixed(2)}`;
}

// ---------------------------------------------------------------------------------------------------
// State in the URL hash

let hashTimer = 0, restoring = false;
function saveHash() {
    if (restoring) return;
    clearTimeout(hashTimer);
    hashTimer = setTimeout(() => {
        const p = new URLSearchParams();
        p.set('text', state.text);
        p.set('seed', String(state.seed));
        p.set('a', state.a); p.set('b', state.b);
        p.set('mode', state.mode);
        p.set('speed', String(state.speed));
        p.set('wander', String(state.wander));
        if (!state.playing) p.set('t', state.t.toFixed(3));
        history.replaceState(null, '', `#${p}`);
    }, 250);
}

function restoreHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    const valid = (spec) => spec && (gan.indexOf(spec) >= 0 || /^~[0-7]$/.test(spec));
    restoring = true;
    try {
        if (p.has('seed') && /^\d{1,12}$/.test(p.get('seed'))) state.seed = Number(p.get('seed'));
        if (p.get('mode') === 'lerp' || p.get('mode') === 'slerp') state.mode = p.get('mode');
        const speed = Number(p.get('speed'));
        if (p.has('speed') && speed >= 0.1 && speed <= 3) state.speed = speed;
        const wander = Number(p.get('wander'));
        if (p.has('wander') && wander >= 0 && wander <= 1) state.wander = wander;
        const t = Number(p.get('t'));
        if (p.has('t') && t >= 0 && t <= 1) { state.t = t; state.playing = false; }
        if (p.has('text')) state.text = p.get('text').slice(0, MAX_TEXT);
        const a = valid(p.get('a')) ? p.get('a') : state.a, b = valid(p.get('b')) ? p.get('b') : state.b;
        applyControls();
        surprise.dirty = true;
        setText(state.text);
        setMorph(a, b);
    } finally {
        restoring = false;
    }
}

function applyControls() {
    $('text-input').value = state.text;
    $('wander').value = state.wander;
    $('speed').value = state.speed;
    for (const r of document.querySelectorAll('input[name="mode"]')) r.checked = r.value === state.mode;
    setPlaying(state.playing);
    lastSliderT = -1;
    updateMorphControls();
}

function setPlaying(playing) {
    state.playing = playing;
    const button = $('morph-play');
    button.setAttribute('aria-pressed', String(playing));
    button.textContent = playing ? 'Pause morph' : 'Play morph';
    if (playing) clock.phase = Math.acos(1 - 2 * state.t) / Math.PI;
}

function setPaused(paused) {
    state.paused = paused;
    const button = $('pause');
    button.setAttribute('aria-pressed', String(paused));
    button.textContent = paused ? 'Resume' : 'Pause';
    document.body.classList.toggle('paused', paused);
}

// ---------------------------------------------------------------------------------------------------
// Controls

function wireControls() {
    $('pause').addEventListener('click', () => setPaused(!state.paused));
    document.addEventListener('keydown', (e) => {
        if (e.altKey && (e.key === 'p' || e.key === 'P' || e.code === 'KeyP')) { e.preventDefault(); setPaused(!state.paused); }
    });
    $('text-input').addEventListener('input', (e) => setText(e.target.value));
    $('wander').addEventListener('input', (e) => { state.wander = Number(e.target.value); saveHash(); });
    $('morph-a').addEventListener('change', (e) => setMorph(e.target.value, state.b));
    $('morph-b').addEventListener('change', (e) => setMorph(state.a, e.target.value));
    $('swap').addEventListener('click', () => setMorph(state.b, state.a));
    $('morph-t').addEventListener('input', (e) => {
        setPlaying(false);
        state.t = Number(e.target.value);
        $('morph-label').textContent = `t = ${state.t.toFixed(2)}`;
        pending.add(morph.main);
        saveHash();
    });
    $('morph-play').addEventListener('click', () => { setPlaying(!state.playing); saveHash(); });
    for (const r of document.querySelectorAll('input[name="mode"]')) {
        r.addEventListener('change', () => { state.mode = r.value; morph.stepsDirty = true; pending.add(morph.main); saveHash(); });
    }
    $('speed').addEventListener('input', (e) => { state.speed = Number(e.target.value); saveHash(); });
    $('surprise').addEventListener('click', () => {
        state.seed = Math.floor(Math.random() * 1e9);
        surprise.dirty = true;
        if (state.a.startsWith('~') || state.b.startsWith('~')) setMorph(state.a, state.b);
        saveHash();
    });
    $('download').addEventListener('click', downloadPNG);
    $('share').addEventListener('click', async () => {
        clearTimeout(hashTimer);
        restoring = false;
        saveHash();
        await new Promise((r) => setTimeout(r, 300));
        let note = 'Link is in the address bar';
        try { await navigator.clipboard.writeText(location.href); note = 'Link copied'; } catch { /* no clipboard permission */ }
        $('share-note').textContent = note;
        setTimeout(() => { $('share-note').textContent = ''; }, 2500);
    });
    window.addEventListener('hashchange', () => restoreHash());
    window.addEventListener('resize', () => layoutText());

    const observer = new IntersectionObserver((entries) => {
        for (const e of entries) sections[e.target.dataset.section] = e.isIntersecting;
    });
    for (const [name, selector] of [['write', '.write'], ['map', '.map'], ['morph', '.morph'], ['surprise', '.surprise']]) {
        const el = document.querySelector(selector);
        el.dataset.section = name;
        observer.observe(el);
    }
}

function downloadPNG() {
    const scale = 4, pad = 8 * scale;
    const out = document.createElement('canvas');
    out.width = text.w * scale + 2 * pad; out.height = text.h * scale + 2 * pad;
    const c = out.getContext('2d');
    c.fillStyle = '#10131a';
    c.fillRect(0, 0, out.width, out.height);
    c.imageSmoothingEnabled = true;
    c.imageSmoothingQuality = 'high';
    c.drawImage(text.canvas, pad, pad, text.w * scale, text.h * scale);
    out.toBlob((blob) => {
        const a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = `fontgan-${(state.text.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'text').slice(0, 32)}.png`;
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    }, 'image/png');
}

// ---------------------------------------------------------------------------------------------------

async function main() {
    try {
        gan = await loadFontGAN();
    } catch (error) {
        const status = $('status');
        status.hidden = false;
        status.textContent = `Could not start the generator: ${error.message}`;
        throw error;
    }
    $('stat-model').textContent = `${gan.chars.length} glyphs · ${gan.dtype} · ${(gan.parameterCount / 1e6).toFixed(2)}M params`;
    batch = gan.createBatch(gan.chars.length + MAX_TEXT + 1 + STRIP_STEPS + SURPRISES);

    text.canvas = $('text-canvas');
    text.context = text.canvas.getContext('2d');
    for (let i = 0; i < MAX_TEXT; i++) text.slots.push(new TextSlot(i));
    morph.context = $('morph-canvas').getContext('2d');
    morph.main = new MorphSlot();
    morph.strip = $('strip-canvas');
    morph.strip.width = STRIP_STEPS * (gan.width + 4) - 4;
    morph.strip.height = gan.height;
    morph.stripImage = morph.strip.getContext('2d').createImageData(morph.strip.width, morph.strip.height);
    for (let k = 0; k < STRIP_STEPS; k++) morph.steps.push(new StripSlot(k));
    $('morph-canvas').width = gan.width; $('morph-canvas').height = gan.height;

    buildGrid();
    buildSurprise();
    fillSelect($('morph-a'));
    fillSelect($('morph-b'));
    wireControls();
    // Defaults that any glyph map can satisfy.
    if (gan.indexOf(state.a) < 0) state.a = gan.chars[0];
    if (gan.indexOf(state.b) < 0) state.b = gan.chars[gan.chars.length - 1];
    if (window.matchMedia?.('(prefers-reduced-motion: reduce)').matches) setPaused(true);
    restoreHash();
    document.body.classList.add('ready');
    requestAnimationFrame((now) => { clock.last = now; stats.since = now; frame(now); });
}

main();
